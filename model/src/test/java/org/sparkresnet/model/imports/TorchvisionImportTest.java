package org.sparkresnet.model.imports;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.sparkresnet.model.InputShape;
import org.sparkresnet.model.ResNets;
import org.sparkresnet.model.record.ModelRecord;
import org.sparkresnet.model.record.ModelRecordZip;
import picocli.CommandLine;

/**
 * Real PyTorch: src/test/python/torchvision_reference.py builds torchvision resnet18 and resnet50 with seeded random
 * weights and batch-norm statistics, exports them to ONNX and writes PyTorch's probabilities and pooled features for a
 * seeded 2x3x224x224 input; the imported graphs must give the same within 1e-4. Skipped, saying so, where no python3
 * with torch, torchvision and onnx is installed (.ci/run installs Debian's).
 * <p>
 * Every depth, printing the largest differences: {@code mvn -pl model surefire:test -Dtest=TorchvisionImportTest#everyDepth
 * -Dtorchvision.depths=18,34,50,101,152}.
 */
class TorchvisionImportTest {
    private static final Path SCRIPT = Path.of("src/test/python/torchvision_reference.py");
    private static final double TOLERANCE = 1e-4;
    private static final InputShape INPUT = new InputShape(3, 224, 224);

    @TempDir
    static Path references;

    private static String python;

    @BeforeAll
    static void exportReferences() throws Exception {
        python = pythonWithTorch();
        Assumptions.assumeTrue(python != null, "skipped: no python3 with torch, torchvision and onnx "
                + "(apt-get install python3-torch python3-torchvision python3-onnx)");
        export(references, List.of("18", "50"));
    }

    @ParameterizedTest(name = "resnet{0}")
    @ValueSource(ints = {18, 50})
    void importedGraphsGivePyTorchsProbabilitiesAndFeatures(int depth) throws IOException {
        ComputationGraph graph = TorchvisionImport.fromOnnx(references.resolve("resnet" + depth + ".onnx"),
                "resnet" + depth, null, INPUT);
        double[] differences = differences(graph, references, depth);
        assertTrue(differences[0] <= TOLERANCE, "probabilities differ by " + differences[0]);
        assertTrue(differences[1] <= TOLERANCE, "features differ by " + differences[1]);
    }

    @Test
    void theCommandWritesAModelZipThatLoadsWithTheSameOutputs(@TempDir Path dir) throws IOException {
        Path zip = dir.resolve("models/resnet18.zip");
        StringWriter out = new StringWriter();
        CommandLine command = new CommandLine(new ImportTorchvisionCommand()).setOut(new PrintWriter(out));
        Path labels = dir.resolve("classes.txt");
        Files.write(labels, java.util.stream.IntStream.range(0, 1000).mapToObj(i -> "name " + i + ", synonym").toList());
        int exit = command.execute("--onnx", references.resolve("resnet18.onnx").toString(), "--model", "resnet18",
                "--labels", labels.toString(), "--output", zip.toString());
        assertEquals(0, exit, out.toString());
        assertTrue(out.toString().contains("1000 classes"), out.toString());
        ComputationGraph loaded = ModelSerializer.restoreComputationGraph(zip.toFile(), true);
        double[] differences = differences(loaded, references, 18);
        assertTrue(differences[0] <= TOLERANCE && differences[1] <= TOLERANCE, "differences " + differences[0] + ", " + differences[1]);
        try (var files = Files.list(zip.getParent())) {
            assertEquals(List.of(zip), files.toList(), "no temporary file left");
        }
        // The record: the names given, torchvision's evaluation transform (256, centre 224, its ImageNet mean/std).
        ModelRecord record = ModelRecordZip.readRecord(zip.toFile(), zip.toString()).orElseThrow();
        assertEquals("name 7, synonym", record.labels().get(7));
        assertEquals(1000, record.numClasses());
        assertEquals(256, record.resize());
        assertEquals(224, record.imageSize());
        assertArrayEquals(new float[] {0.485f, 0.456f, 0.406f}, record.mean());
        assertArrayEquals(new float[] {0.229f, 0.224f, 0.225f}, record.std());
    }

    @Test
    void aLabelsFileWithTheWrongNumberOfLinesIsRefused(@TempDir Path dir) throws IOException {
        Path labels = dir.resolve("classes.txt");
        Files.write(labels, List.of("cat", "dog"));
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new ImportTorchvisionCommand()).setErr(new PrintWriter(err)).execute(
                "--onnx", references.resolve("resnet18.onnx").toString(), "--model", "resnet18", "--labels", labels.toString(),
                "--output", dir.resolve("m.zip").toString());
        assertEquals(2, exit);
        assertTrue(err.toString().contains("has 2 non-empty lines, the model has 1000 classes"), err.toString());
        assertFalse(Files.exists(dir.resolve("m.zip")));
    }

    @Test
    void theCommandRefusesAnotherFamilyWithExitCode2(@TempDir Path dir) {
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new ImportTorchvisionCommand()).setErr(new PrintWriter(err)).execute(
                "--onnx", references.resolve("resnet18.onnx").toString(), "--model", "preresnet18",
                "--output", dir.resolve("m.zip").toString());
        assertEquals(2, exit);
        assertTrue(err.toString().contains("not preresnet18"), err.toString());
    }

    @Test
    void aRenamedTensorIsRefusedNamingBothNames() throws IOException {
        Map<String, INDArray> tensors = resnet18();
        tensors.put("layer2.1.bn2.running_variance", tensors.remove("layer2.1.bn2.running_var"));
        String message = refusal(tensors, "resnet18", null);
        assertTrue(message.contains("missing tensor layer2.1.bn2.running_var (expected shape [128])"), message);
        assertTrue(message.contains("unexpected tensor layer2.1.bn2.running_variance (shape [128])"), message);
    }

    @Test
    void aMissingTensorIsRefusedWithItsShape() throws IOException {
        Map<String, INDArray> tensors = resnet18();
        tensors.remove("layer3.0.downsample.0.weight");
        String message = refusal(tensors, "resnet18", null);
        assertTrue(message.contains("missing tensor layer3.0.downsample.0.weight (expected shape [256, 128, 1, 1])"), message);
    }

    @Test
    void aMisshapenTensorIsRefusedWithBothShapes() throws IOException {
        Map<String, INDArray> tensors = resnet18();
        tensors.put("layer1.0.conv2.weight", Nd4j.zeros(DataType.FLOAT, 64, 64, 1, 1));
        String message = refusal(tensors, "resnet18", null);
        assertTrue(message.contains("tensor layer1.0.conv2.weight has shape [64, 64, 1, 1], expected [64, 64, 3, 3]"), message);
        assertEquals(1, message.split("; ").length, message);
    }

    @Test
    void theWrongDepthOrClassCountIsRefused() throws IOException {
        Map<String, INDArray> tensors = resnet18();
        String asResnet34 = refusal(tensors, "resnet34", null);
        assertTrue(asResnet34.contains("missing tensor layer1.2.conv1.weight (expected shape [64, 64, 3, 3])"), asResnet34);
        String tenClasses = refusal(tensors, "resnet18", 10);
        assertTrue(tenClasses.contains("tensor fc.weight has shape [1000, 512], expected [10, 512]"), tenClasses);
        assertTrue(tenClasses.contains("tensor fc.bias has shape [1000], expected [10]"), tenClasses);
    }

    @Test
    void batchCountersAreIgnored() throws IOException {
        Map<String, INDArray> tensors = resnet18();
        tensors.put("bn1.num_batches_tracked", Nd4j.scalar(DataType.FLOAT, 3f));
        ComputationGraph graph = TorchvisionImport.fromTensors(tensors, "resnet18", null, INPUT, "test");
        assertEquals(tensors.get("fc.bias").getDouble(7), graph.getLayer(ResNets.OUTPUT).getParam("b").getDouble(7), 0);
    }

    /** Prints the largest differences for the depths in -Dtorchvision.depths=18,34,50,101,152. */
    @Test
    @EnabledIfSystemProperty(named = "torchvision.depths", matches = ".+")
    void everyDepth(@TempDir Path dir) throws Exception {
        List<String> depths = List.of(System.getProperty("torchvision.depths").split(","));
        export(dir, depths);
        List<String> failures = new ArrayList<>();
        for (String depth : depths) {
            ComputationGraph graph = TorchvisionImport.fromOnnx(dir.resolve("resnet" + depth + ".onnx"), "resnet" + depth, null, INPUT);
            double[] d = differences(graph, dir, Integer.parseInt(depth));
            System.out.printf("TORCHVISION resnet%s: max |diff| probabilities %.3g, features %.3g (largest probability %.4f, feature %.4f)%n",
                    depth, d[0], d[1], d[2], d[3]);
            if (d[0] > TOLERANCE || d[1] > TOLERANCE) {
                failures.add("resnet" + depth);
            }
        }
        assertTrue(failures.isEmpty(), "over " + TOLERANCE + ": " + failures);
    }

    private static Map<String, INDArray> resnet18() throws IOException {
        return new LinkedHashMap<>(OnnxInitializers.read(references.resolve("resnet18.onnx")));
    }

    private static String refusal(Map<String, INDArray> tensors, String model, Integer classes) {
        return assertThrows(IllegalArgumentException.class,
                () -> TorchvisionImport.fromTensors(tensors, model, classes, INPUT, "test")).getMessage();
    }

    /** Max |diff| of probabilities and features against PyTorch's, then the largest reference probability and feature. */
    private static double[] differences(ComputationGraph graph, Path dir, int depth) throws IOException {
        INDArray input = Nd4j.createFromNpyFile(dir.resolve("input.npy").toFile());
        Map<String, INDArray> activations = graph.feedForward(input, false);
        INDArray probabilities = Nd4j.createFromNpyFile(dir.resolve("resnet" + depth + "-probs.npy").toFile());
        INDArray features = Nd4j.createFromNpyFile(dir.resolve("resnet" + depth + "-features.npy").toFile());
        return new double[]{
                Transforms.abs(activations.get(ResNets.OUTPUT).sub(probabilities)).maxNumber().doubleValue(),
                Transforms.abs(activations.get(ResNets.FEATURES).reshape(features.shape()).sub(features)).maxNumber().doubleValue(),
                probabilities.maxNumber().doubleValue(), features.maxNumber().doubleValue()};
    }

    private static void export(Path dir, List<String> depths) throws Exception {
        assertTrue(Files.isRegularFile(SCRIPT), SCRIPT.toAbsolutePath() + " missing");
        List<String> command = new ArrayList<>(List.of(python, SCRIPT.toString(), dir.toString(), "--size",
                String.valueOf(INPUT.height()), "--batch", "2", "--depths"));
        command.addAll(depths);
        Path log = dir.resolve("export.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(20, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("the export timed out: " + Files.readString(log, StandardCharsets.UTF_8));
        }
        assertEquals(0, process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    /** python3 on the PATH, else Debian's /usr/bin/python3, whichever imports torch, torchvision and onnx; null if none. */
    private static String pythonWithTorch() throws InterruptedException {
        for (String candidate : List.of("python3", "/usr/bin/python3")) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import torch, torchvision, onnx")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor(2, TimeUnit.MINUTES) && p.exitValue() == 0) {
                    return candidate;
                }
                p.destroyForcibly();
            } catch (IOException notInstalled) {
                // next candidate
            }
        }
        return null;
    }
}
