package org.sparkresnet.jobs;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkresnet.data.PrepareJob;
import org.sparkresnet.data.PrepareRequest;
import org.sparkresnet.data.image.TestImageTrees;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.jobs.store.ModelStore;
import org.sparkresnet.model.InputShape;
import org.sparkresnet.model.ModelRequest;
import org.sparkresnet.model.ResNets;
import org.sparkresnet.model.record.ModelRecord;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input to every job, as a user gives it on the command line (issue 17): exit code 2, one line naming the file or
 * value and what was expected, and nothing written to the output. The fixtures are real: a prepared Fashion-MNIST
 * split, saved models with and without records, an ILSVRC-layout tree.
 */
class BadInputTableTest {
    @TempDir
    static Path dir;
    static String data;
    static String model;          // resnet20, 1x28x28, 10 classes: matches the data
    static String threeClasses;   // resnet20, 1x28x28, 3 classes
    static String otherShape;     // resnet20, 1x32x32, 10 classes
    static String truncated;
    static String notAZip;

    @BeforeAll
    static void fixtures() throws Exception {
        data = dir.resolve("data").toUri().toString();
        try (JavaSparkContext sc = SparkContexts.create("bad-input-fixtures", "local[1]")) {
            PrepareJob.run(sc, new PrepareRequest("fashion-mnist", FashionMnist.requireDir().toUri().toString(), data, 64, false, 64));
        }
        Configuration conf = new Configuration();
        model = save("model.zip", new InputShape(1, 28, 28), 10, conf);
        threeClasses = save("three.zip", new InputShape(1, 28, 28), 3, conf);
        otherShape = save("shape.zip", new InputShape(1, 32, 32), 10, conf);
        byte[] whole = Files.readAllBytes(Path.of(java.net.URI.create(model)));
        Files.write(dir.resolve("truncated.zip"), Arrays.copyOf(whole, whole.length / 3));
        truncated = dir.resolve("truncated.zip").toUri().toString();
        Files.writeString(dir.resolve("notes.zip"), "not a zip at all");
        notAZip = dir.resolve("notes.zip").toUri().toString();
        // manifests a reader must refuse: a future format, and one that is not JSON
        copySplitWithManifest("future", s -> s.replaceFirst("\"formatVersion\" : 2", "\"formatVersion\" : 9"));
        copySplitWithManifest("garbled", s -> s.substring(0, s.length() / 2));
        // an ILSVRC tree whose LOC_val_solution.csv lists an image that is not there
        TestImageTrees.ilsvrc(dir.resolve("ilsvrc"), 1, 2);
        Files.delete(dir.resolve("ilsvrc/ILSVRC/Data/CLS-LOC/val/ILSVRC2012_val_00000003.JPEG"));
    }

    private static String save(String name, InputShape shape, int classes, Configuration conf) {
        List<String> labels = IntStream.range(0, classes).mapToObj(i -> "class" + i).toList();
        ModelRecord record = new ModelRecord("resnet20", shape, labels, null, new float[] {0.286f}, new float[] {0.353f}, 0, 0, "fashion-mnist", "test");
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(dir.resolve(name).toUri());
        ModelStore.save(ResNets.build(ModelRequest.of("resnet20", shape, classes)), target, conf, false, record);
        return target.toString();
    }

    private static void copySplitWithManifest(String name, Function<String, String> edit) throws Exception {
        for (String split : List.of("train", "test")) {
            Path from = dir.resolve("data").resolve(split);
            Path to = dir.resolve(name).resolve(split);
            Files.createDirectories(to);
            try (Stream<Path> files = Files.list(from)) {
                for (Path f : files.filter(f -> !f.getFileName().toString().startsWith(".")).toList()) {
                    Files.copy(f, to.resolve(f.getFileName()));
                }
            }
            Path manifest = to.resolve("manifest.json");
            Files.writeString(manifest, edit.apply(Files.readString(manifest)));
        }
    }

    /** One case: the arguments (OUT stands for a fresh output folder) and what the one line must contain. */
    record Case(String name, List<String> args, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        String fm = FashionMnist.requireDir().toUri().toString();
        String ilsvrc = dir.resolve("ilsvrc").toUri().toString();
        return Stream.of(
                new Case("train: unknown model", List.of("train", "--data", data, "--output", "OUT", "--model", "resnet21"),
                        List.of("resnet21")),
                new Case("train: zero batch", List.of("train", "--data", data, "--output", "OUT", "--batch", "0"),
                        List.of("--batch must be at least 1, got 0")),
                new Case("train: negative epochs", List.of("train", "--data", data, "--output", "OUT", "--epochs", "-2"),
                        List.of("--epochs must be at least 1, got -2")),
                new Case("train: future manifest format", List.of("train", "--data", dir.resolve("future").toUri().toString(), "--output", "OUT"),
                        List.of("future", "format version 9")),
                new Case("train: garbled manifest", List.of("train", "--data", dir.resolve("garbled").toUri().toString(), "--output", "OUT"),
                        List.of("garbled")),
                new Case("prepare: unknown dataset", List.of("prepare", "--dataset", "cifar11", "--input", fm, "--output", "OUT"),
                        List.of("cifar11")),
                new Case("prepare: zero shard size", List.of("prepare", "--dataset", "fashion-mnist", "--input", fm, "--output", "OUT", "--shard-size", "0"),
                        List.of("shard")),
                new Case("prepare: ILSVRC val image listed but missing",
                        List.of("prepare", "--dataset", "imagenet", "--input", ilsvrc, "--output", "OUT", "--image-size", "16", "--resize", "18"),
                        List.of("LOC_val_solution.csv line 4", "ILSVRC2012_val_00000003")),
                new Case("evaluate: truncated model.zip", List.of("evaluate", "--model", truncated, "--data", data, "--report-dir", "OUT"),
                        List.of("truncated.zip")),
                new Case("evaluate: not a zip", List.of("evaluate", "--model", notAZip, "--data", data, "--report-dir", "OUT"),
                        List.of("notes.zip")),
                new Case("evaluate: model classes differ from the data's", List.of("evaluate", "--model", threeClasses, "--data", data, "--report-dir", "OUT"),
                        List.of("3", "10")),
                new Case("evaluate: model input shape differs from the data's", List.of("evaluate", "--model", otherShape, "--data", data, "--report-dir", "OUT"),
                        List.of("1x32x32", "1x28x28")),
                new Case("finetune: base input shape differs", List.of("finetune", "--from", otherShape, "--data", data, "--output", "OUT"),
                        List.of("1x32x32", "1x28x28")),
                new Case("finetune: truncated base", List.of("finetune", "--from", truncated, "--data", data, "--output", "OUT", "--model", "resnet20"),
                        List.of("truncated.zip")),
                new Case("predict: truncated model", List.of("predict", "--model", truncated, "--input", data + "/test", "--output", "OUT"),
                        List.of("truncated.zip")),
                new Case("predict: zero top-k", List.of("predict", "--model", model, "--input", data + "/test", "--output", "OUT", "--top-k", "0"),
                        List.of("--top-k", "0")),
                new Case("features: negative batch size", List.of("features", "--model", model, "--input", data + "/test", "--output", "OUT", "--batch-size", "-1"),
                        List.of("-1")),
                new Case("summary: zero-sized input", List.of("summary", "--model", "resnet20", "--input", "1x0x28"),
                        List.of("1x0x28")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void exitsWithTwoAndOneLineNamingTheValueAndWritesNothing(Case c) throws Exception {
        Path out = dir.resolve("out-" + Math.abs(c.name().hashCode()));
        List<String> args = c.args().stream().map(a -> a.equals("OUT") ? out.toUri().toString() : a).toList();
        List<String> withMaster = new java.util.ArrayList<>(args);
        if (!args.get(0).equals("summary")) {
            withMaster.addAll(List.of("--master", "local[1]"));
        }
        CommandLineTest.Run r = CommandLineTest.run(withMaster.toArray(String[]::new));
        String err = r.err().strip();
        assertEquals(2, r.exitCode(), c + ": " + r.err() + r.out());
        assertEquals(1, err.lines().count(), c + ": one line, not a stack trace: " + err);
        for (String part : c.expected()) {
            assertTrue(err.contains(part), c + ": the line names '" + part + "': " + err);
        }
        assertFalse(Files.exists(out), c + ": nothing written to " + out);
    }
}
