package org.sparkresnet.model.imports;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.sparkresnet.model.InputShape;
import org.sparkresnet.model.InputShapeConverter;
import org.sparkresnet.model.ResNets;
import org.sparkresnet.model.record.ModelRecord;
import org.sparkresnet.model.record.ModelRecordZip;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code resnet import-torchvision}: a torchvision ResNet exported to ONNX as a model.zip (DL4J ModelSerializer,
 * with a fresh updater state) that evaluate, predict, features and finetune load. The zip's {@link ModelRecord} holds
 * the class names given and torchvision's ImageNet evaluation transform (shorter side 256, centre crop 224, its
 * mean/std), so predict needs nothing else. Local files; the zip is written under a temporary name and then renamed.
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

    @Option(names = "--labels", paramLabel = "FILE", description = "Class names, one per line in output order, e.g. opencv-doc's"
            + " examples/data/dnn/classification_classes_ILSVRC2012.txt (default: class_0, class_1, ...).")
    private Path labels;

    @Option(names = "--class-ids", paramLabel = "FILE", description = "Class ids (e.g. ImageNet wnids), one per line in output"
            + " order (default: the labels).")
    private Path classIds;

    @Option(names = "--resize", description = "Shorter side an image is scaled to before the centre crop of the input's side"
            + " (default: torchvision's evaluation transform, 256 for 224, i.e. side * 8/7).")
    private Integer resize;

    @Option(names = "--mean", split = ",", defaultValue = "0.485,0.456,0.406",
            description = "Per-channel mean of pixels in [0, 1], RGB (default: torchvision's ImageNet ${DEFAULT-VALUE}).")
    private float[] mean;

    @Option(names = "--std", split = ",", defaultValue = "0.229,0.224,0.225",
            description = "Per-channel std, RGB (default: torchvision's ImageNet ${DEFAULT-VALUE}).")
    private float[] std;

    @Override
    public Integer call() throws IOException {
        ComputationGraph graph;
        ModelRecord record;
        try {
            if (!Files.isRegularFile(onnx)) {
                throw new IllegalArgumentException("--onnx " + onnx + " is not a readable file");
            }
            graph = TorchvisionImport.fromOnnx(onnx, model, classes, input);
            record = record((int) graph.getLayer(ResNets.OUTPUT).getParam("b").length());
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println(spec.name() + ": error: " + e.getMessage());
            return 2;
        }
        Path target = output.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path temporary = target.resolveSibling("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            try (var out = Files.newOutputStream(temporary)) {
                ModelRecordZip.write(graph, true, record, out);
            }
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
        spec.commandLine().getOut().printf("imported %s (%d classes, %d parameters) from %s into %s%n", model,
                record.numClasses(), graph.numParams(), onnx, target);
        spec.commandLine().getOut().println("record: " + record);
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** The model's record: the class names given (or class_i), torchvision's evaluation transform for the input's side. */
    private ModelRecord record(int numClasses) throws IOException {
        List<String> names = labels == null ? IntStream.range(0, numClasses).mapToObj(i -> "class_" + i).toList()
                : lines(labels, "--labels", numClasses);
        List<String> ids = classIds == null ? names : lines(classIds, "--class-ids", numClasses);
        if (input.height() != input.width()) {
            throw new IllegalArgumentException("--input " + input + ": torchvision's evaluation transform crops a square, height must equal width");
        }
        int shorterSide = resize != null ? resize : Math.round(input.height() * 8f / 7f);
        return new ModelRecord(model, input, names, ids, mean, std, shorterSide, input.height(), "imagenet",
                onnx.toAbsolutePath().toUri().toString());
    }

    private static List<String> lines(Path file, String option, int expected) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(option + " " + file + " is not a readable file");
        }
        List<String> lines = Files.readAllLines(file).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
        if (lines.size() != expected) {
            throw new IllegalArgumentException(option + " " + file + " has " + lines.size() + " non-empty lines, the model has "
                    + expected + " classes: expected one line per class");
        }
        return lines;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ImportTorchvisionCommand()).execute(args));
    }
}
