package org.sparkresnet.model.imports;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.sparkresnet.model.InputShape;
import org.sparkresnet.model.InputShapeConverter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code resnet import-torchvision}: a torchvision ResNet exported to ONNX as a model.zip (DL4J ModelSerializer,
 * with a fresh updater state) that evaluate and train --resume load. Local files; the zip is written under a
 * temporary name and then renamed.
 */
@Command(name = "import-torchvision", mixinStandardHelpOptions = true,
        description = "Import a torchvision ResNet (resnet18..152) exported to ONNX by PyTorch (batch norm kept: "
                + "torch.onnx.export(..., training=TrainingMode.PRESERVE, do_constant_folding=False)) into a model.zip.")
public final class ImportTorchvisionCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--onnx", required = true, description = "The ONNX file (a local path).")
    private Path onnx;

    @Option(names = "--model", required = true, description = "resnet18, resnet34, resnet50, resnet101 or resnet152.")
    private String model;

    @Option(names = "--classes", description = "Number of classes; must match fc.weight (default: taken from fc.weight).")
    private Integer classes;

    @Option(names = "--input", defaultValue = "3x224x224", converter = InputShapeConverter.class,
            description = "Input shape CxHxW recorded in the model (default: ${DEFAULT-VALUE}).")
    private InputShape input;

    @Option(names = "--output", required = true, description = "The model.zip to write (a local path).")
    private Path output;

    @Override
    public Integer call() throws IOException {
        ComputationGraph graph;
        try {
            if (!Files.isRegularFile(onnx)) {
                throw new IllegalArgumentException("--onnx " + onnx + " is not a readable file");
            }
            graph = TorchvisionImport.fromOnnx(onnx, model, classes, input);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println(spec.name() + ": error: " + e.getMessage());
            return 2;
        }
        Path target = output.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path temporary = target.resolveSibling("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            ModelSerializer.writeModel(graph, temporary.toFile(), true);
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
        spec.commandLine().getOut().printf("imported %s (%d classes, %d parameters) from %s into %s%n", model,
                graph.getLayer(org.sparkresnet.model.ResNets.OUTPUT).getParam("b").length(),
                graph.numParams(), onnx, target);
        spec.commandLine().getOut().flush();
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ImportTorchvisionCommand()).execute(args));
    }
}
