package org.sparkresnet.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.jobs.cli.Main;
import org.sparkresnet.jobs.metrics.MetricsLog;
import org.sparkresnet.jobs.store.Checkpoints;
import org.sparkresnet.jobs.store.ModelStore;
import org.sparkresnet.jobs.store.RunManifest;
import org.sparkresnet.jobs.train.FineTunedNetwork;
import org.sparkresnet.jobs.train.FineTuning;
import org.sparkresnet.jobs.train.LearningRateSchedule;
import org.sparkresnet.jobs.train.OptimizerSettings;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.model.InputShape;
import org.sparkresnet.model.LabelSmoothingCrossEntropy;
import org.sparkresnet.model.ModelRequest;
import org.sparkresnet.model.MomentumSgd;
import org.sparkresnet.model.ResNets;
import org.sparkresnet.model.TrainingOptions;
import org.sparkresnet.model.record.ModelRecord;
import org.sparkresnet.model.record.ModelRecordZip;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.TreeMap;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code finetune} end to end through the CLI, on real Fashion-MNIST in Spark local[2]: a ResNet-20 trained on classes 0-5
 * (T-shirt/top .. Sandal) is fine-tuned on a small set of the other four classes (Shirt, Sneaker, Bag, Ankle boot), and
 * beats the same net trained from scratch for the same epochs with the same seed and settings. The images go through
 * the folder dataset (PNG trees written here, 3x28x28), as a user's own images would.
 */
class FineTuneJobTest {
    static final List<String> BASE_CLASSES = List.of("tshirt", "trouser", "pullover", "dress", "coat", "sandal");
    static final List<String> NEW_CLASSES = List.of("shirt", "sneaker", "bag", "ankle-boot");
    static final int BASE_TRAIN_PER_CLASS = 400;
    static final int BASE_TEST_PER_CLASS = 50;
    static final int NEW_TRAIN_PER_CLASS = 100;
    static final int NEW_TEST_PER_CLASS = 150;
    static final String FREEZE = "conv3";
    static final String[] SETTINGS = {"--epochs", "2", "--batch", "32", "--lr", "0.002", "--seed", "7", "--master", "local[2]",
            "--progress-seconds", "600"};
    static final ObjectMapper JSON = new ObjectMapper();
    static final Configuration CONF = new Configuration();

    @TempDir
    static Path work;
    static String baseData;
    static String newData;
    static Path baseRun;
    static Path tunedRun;
    static Path scratchRun;
    static String baseModel;

    record Run(int exit, String stdout, String stderr) {
    }

    @BeforeAll
    static void trainBaseThenFineTuneAndScratch() throws Exception {
        Path fashion = FashionMnist.requireDir();
        byte[][] trainImages = images(fashion.resolve("train-images-idx3-ubyte.gz"));
        byte[] trainLabels = labels(fashion.resolve("train-labels-idx1-ubyte.gz"));
        byte[][] testImages = images(fashion.resolve("t10k-images-idx3-ubyte.gz"));
        byte[] testLabels = labels(fashion.resolve("t10k-labels-idx1-ubyte.gz"));
        Path baseTree = work.resolve("base-images");
        Path newTree = work.resolve("new-images");
        writeTree(baseTree.resolve("train"), trainImages, trainLabels, 0, BASE_CLASSES, BASE_TRAIN_PER_CLASS);
        writeTree(baseTree.resolve("val"), testImages, testLabels, 0, BASE_CLASSES, BASE_TEST_PER_CLASS);
        writeTree(newTree.resolve("train"), trainImages, trainLabels, 6, NEW_CLASSES, NEW_TRAIN_PER_CLASS);
        writeTree(newTree.resolve("val"), testImages, testLabels, 6, NEW_CLASSES, NEW_TEST_PER_CLASS);
        baseData = work.resolve("base-data").toUri().toString();
        newData = work.resolve("new-data").toUri().toString();
        for (String[] prep : List.of(new String[] {baseTree.toString(), baseData}, new String[] {newTree.toString(), newData})) {
            assertEquals(0, cli("prepare", "--dataset", "folder", "--input", prep[0], "--output", prep[1], "--image-size", "28",
                    "--resize", "28", "--shard-size", "512", "--master", "local[2]").exit());
        }
        baseRun = work.resolve("base-run");
        assertEquals(0, cli(with("train", "--data", baseData, "--output", baseRun.toString(), "--model", "resnet20")).exit());
        baseModel = baseRun.resolve("model.zip").toUri().toString();

        tunedRun = work.resolve("tuned-run");
        scratchRun = work.resolve("scratch-run");
        Run tuned = cli(with("finetune", "--from", baseModel, "--freeze-through", FREEZE, "--data", newData, "--output", tunedRun.toString()));
        assertEquals(0, tuned.exit(), tuned.stderr());
        assertTrue(tuned.stdout().contains("fine-tuning resnet20 from ") && tuned.stdout().contains("frozen through conv3, a new classifier"
                + " for 4 classes"), tuned.stdout());
        assertFalse(tuned.stdout().contains("warning:"), "both datasets were prepared alike: " + tuned.stdout());
        assertEquals(0, cli(with("train", "--data", newData, "--output", scratchRun.toString(), "--model", "resnet20")).exit());
    }

    @Test
    void fineTuningReachesAHigherAccuracyThanTrainingFromScratch() throws Exception {
        double base = lastAccuracy(baseRun);
        double tuned = lastAccuracy(tunedRun);
        double scratch = lastAccuracy(scratchRun);
        System.out.printf("base (6 classes, %d images, 2 epochs): %.4f; on the 4 new classes (%d training images, 2 epochs):"
                + " fine-tuned through %s %.4f, from scratch %.4f%n", 6 * BASE_TRAIN_PER_CLASS, base, 4 * NEW_TRAIN_PER_CLASS, FREEZE, tuned, scratch);
        assertTrue(base > 0.6, "the base model must have learnt something to transfer: " + base);
        // measured: fine-tuned 0.8917, from scratch 0.3967 (two epochs of 13 minibatches leave a fresh net's batch-norm
        // statistics and weights far from trained; the base's features already separate the new classes)
        assertTrue(tuned > 0.8 && tuned > scratch + 0.25, "fine-tuned " + tuned + " vs from scratch " + scratch);
        JsonNode run = JSON.readTree(tunedRun.resolve(RunManifest.FILE_NAME).toFile());
        assertEquals(baseModel.replace("file:///", "file:/"), run.at("/request/fineTuning/baseModelUri").asText());
        assertEquals(3, run.at("/request/fineTuning/freezeThroughStage").asInt());
        assertEquals(0.002, JSON.readTree(tunedRun.resolve(MetricsLog.FILE_NAME).toFile()).at("/epochs/0/learningRate").asDouble(), 1e-12);
    }

    @Test
    void frozenStagesKeepTheBaseWeightsAndBatchNormStatisticsAndTheHeadIsNew() {
        ComputationGraph base = ModelStore.load(new org.apache.hadoop.fs.Path(baseModel), CONF);
        ModelRecordZip.SavedModel tuned = ModelStore.loadWithRecord(new org.apache.hadoop.fs.Path(tunedRun.resolve("model.zip").toUri()), CONF);
        ComputationGraph net = tuned.network();
        List<String> frozen = FineTunedNetwork.frozenLayerNames(net, 3);
        assertTrue(frozen.contains("conv1_conv") && frozen.contains("conv1_bn") && frozen.contains("conv3_block3_2_bn"), frozen.toString());
        assertFalse(frozen.contains("conv4_block1_1_conv"));
        assertSameParameters(base, net, frozen, true);
        assertInstanceOf(FrozenLayer.class, net.getLayer("conv3_block3_2_bn"));
        assertFalse(net.getLayer("conv4_block1_1_conv") instanceof FrozenLayer);
        assertFalse(Arrays.equals(floats(base.getLayer("conv4_block1_1_conv").getParam("W")),
                floats(net.getLayer("conv4_block1_1_conv").getParam("W"))), "conv4 trains");
        assertFalse(Arrays.equals(floats(base.getLayer("conv4_block1_1_bn").getParam("mean")),
                floats(net.getLayer("conv4_block1_1_bn").getParam("mean"))), "conv4's batch norm statistics move");
        assertArrayEquals(new long[] {64, 4}, net.getLayer(ResNets.OUTPUT).getParam("W").shape(), "a head for the 4 new classes");

        ModelRecord record = tuned.record().orElseThrow();
        assertEquals("resnet20", record.model());
        assertEquals(NEW_CLASSES.stream().sorted().toList(), record.labels());
        assertEquals(new InputShape(3, 28, 28), record.input());
    }

    @Test
    void theNetworkTakesTheRequestsOptimiserLossAndWeightDecay() {
        SplitManifest train = SplitManifest.read(newData + "/train", CONF);
        OptimizerSettings sgd = new OptimizerSettings("sgd", 0.4, 0.9, 1e-4, new LearningRateSchedule(LearningRateSchedule.Decay.STEP, 2, 1, 0.5),
                false, TrainingOptions.WeightDecayMode.L2, 0.1, false, OptimizerSettings.Scaling.NONE);
        TrainRequest request = new TrainRequest(newData, "file:/unused", "resnet20", 6, 32, "adam", 1e-3, 0.9, 0, 1, 7, false)
                .withOptimizer(sgd).withFineTuning(new FineTuning(baseModel, 2));
        ComputationGraph net = FineTunedNetwork.fromBase(request, train, 0, CONF);
        assertEquals(0, net.getConfiguration().getIterationCount());
        assertEquals(0, net.getConfiguration().getEpochCount());
        for (String name : List.of("conv3_block1_1_conv", "conv4_block3_2_conv", ResNets.OUTPUT)) {
            BaseLayer layer = (BaseLayer) net.getLayer(name).conf().getLayer();
            assertInstanceOf(MomentumSgd.class, layer.getIUpdater(), name);
            assertEquals(sgd.updater(6, 0), layer.getIUpdater(), name + ": the request's updater and schedule");
            assertTrue(layer.getRegularization().stream().anyMatch(r -> r instanceof L2Regularization), name + ": " + layer.getRegularization());
        }
        // in the warm-up: epoch 0 runs at a fraction of 0.4, as train's schedule says
        assertEquals(sgd.rateAtEpoch(0, 6), net.getLearningRate("conv4_block3_2_conv"), 1e-9);
        assertTrue(sgd.rateAtEpoch(0, 6) < 0.3);
        assertInstanceOf(LabelSmoothingCrossEntropy.class, ((BaseOutputLayer) net.getLayer(ResNets.OUTPUT).conf().getLayer()).getLossFn());
        assertInstanceOf(FrozenLayer.class, net.getLayer("conv2_block3_2_bn"));
        assertFalse(net.getLayer("conv3_block1_1_conv") instanceof FrozenLayer);
    }

    @Test
    void resumeContinuesTheFineTuningAndRefusesAnotherOne() throws Exception {
        Path resumed = work.resolve("resumed-run");
        copyTree(tunedRun, resumed);
        // killed after epoch 1's checkpoint: no model.zip, run.json or epoch-2 checkpoint
        Files.delete(resumed.resolve("model.zip"));
        Files.delete(resumed.resolve(RunManifest.FILE_NAME));
        Files.delete(resumed.resolve(Checkpoints.DIR).resolve(Checkpoints.markerName(2)));
        Files.delete(resumed.resolve(Checkpoints.DIR).resolve(Checkpoints.zipName(2)));

        Run other = cli(with("finetune", "--from", baseModel, "--freeze-through", "conv2", "--data", newData, "--output", resumed.toString(),
                "--resume"));
        assertEquals(2, other.exit());
        assertTrue(other.stderr().contains("frozen through conv3, this request is a fine-tuning of") && other.stderr().contains("--freeze-through"),
                other.stderr());
        Run plain = cli(with("train", "--data", newData, "--output", resumed.toString(), "--model", "resnet20", "--resume"));
        assertEquals(2, plain.exit());
        assertTrue(plain.stderr().contains("this request is a run from fresh weights (train)"), plain.stderr());

        Run again = cli(with("finetune", "--from", baseModel, "--freeze-through", FREEZE, "--data", newData, "--output", resumed.toString(),
                "--resume"));
        assertEquals(0, again.exit(), again.stderr());
        assertTrue(again.stdout().contains("resuming after epoch 1 of 2"), again.stdout());
        ComputationGraph base = ModelStore.load(new org.apache.hadoop.fs.Path(baseModel), CONF);
        ComputationGraph uninterrupted = ModelStore.load(new org.apache.hadoop.fs.Path(tunedRun.resolve("model.zip").toUri()), CONF);
        ComputationGraph continued = ModelStore.load(new org.apache.hadoop.fs.Path(resumed.resolve("model.zip").toUri()), CONF);
        assertSameParameters(base, continued, FineTunedNetwork.frozenLayerNames(continued, 3), true);
        double difference = continued.params().sub(uninterrupted.params()).amaxNumber().doubleValue();
        System.out.printf("resumed fine-tuning vs uninterrupted: largest parameter difference %.3g%n", difference);
        assertTrue(difference < 1e-4, "the resumed run ends where the uninterrupted one did: " + difference);
        assertEquals(lastAccuracy(tunedRun), lastAccuracy(resumed), 0.01);
    }

    @Test
    void gradientSharingLeavesFrozenBatchNormStatisticsAlone() throws Exception {
        Path shared = work.resolve("sharing-run");
        Run run = cli("finetune", "--from", baseModel, "--freeze-through", "conv2", "--data", newData, "--output", shared.toString(),
                "--mode", "sharing", "--epochs", "1", "--batch", "32", "--lr", "0.002", "--seed", "7", "--master", "local[2]",
                "--progress-seconds", "600");
        assertEquals(0, run.exit(), run.stderr());
        ComputationGraph base = ModelStore.load(new org.apache.hadoop.fs.Path(baseModel), CONF);
        ComputationGraph net = ModelStore.load(new org.apache.hadoop.fs.Path(shared.resolve("model.zip").toUri()), CONF);
        assertSameParameters(base, net, FineTunedNetwork.frozenLayerNames(net, 2), true);
        assertFalse(Arrays.equals(floats(base.getLayer("conv3_block1_1_bn").getParam("mean")),
                floats(net.getLayer("conv3_block1_1_bn").getParam("mean"))), "trainable batch norm is re-estimated");
        double accuracy = lastAccuracy(shared);
        System.out.printf("fine-tuned through conv2 by gradient sharing, 1 epoch: test accuracy %.4f%n", accuracy);
        assertTrue(accuracy > 0.4, "above chance (0.25): " + accuracy);
    }

    /**
     * Parameter averaging over 3 workers divides a sum of 3 equal frozen values by 3, which moves some by rounding;
     * FrozenParameters puts them back after every round (FrozenParametersTest shows the rounding).
     */
    @Test
    void parameterAveragingOverThreeWorkersLeavesFrozenLayersBitEqual() throws Exception {
        Path three = work.resolve("three-workers-run");
        Run run = cli("finetune", "--from", baseModel, "--freeze-through", FREEZE, "--data", newData, "--output", three.toString(),
                "--epochs", "1", "--batch", "32", "--lr", "0.002", "--seed", "7", "--averaging-frequency", "1", "--master", "local[3]",
                "--progress-seconds", "600");
        assertEquals(0, run.exit(), run.stderr());
        ComputationGraph base = ModelStore.load(new org.apache.hadoop.fs.Path(baseModel), CONF);
        ComputationGraph net = ModelStore.load(new org.apache.hadoop.fs.Path(three.resolve("model.zip").toUri()), CONF);
        assertSameParameters(base, net, FineTunedNetwork.frozenLayerNames(net, 3), true);
    }

    @Test
    void badInputsEndWithExitTwoAndALineNamingTheValue() throws Exception {
        Run stage = cli(with("finetune", "--from", baseModel, "--freeze-through", "conv5", "--data", newData, "--output", work.resolve("x1").toString()));
        assertEquals(2, stage.exit());
        assertTrue(stage.stderr().contains("--freeze-through 'conv5' is not a stage of resnet20: use one of none, stem, conv2, conv3, conv4"),
                stage.stderr());
        Run unknown = cli(with("finetune", "--from", baseModel, "--freeze-through", "layer9", "--data", newData, "--output", work.resolve("x2").toString()));
        assertEquals(2, unknown.exit());
        assertTrue(unknown.stderr().contains("--freeze-through 'layer9'"), unknown.stderr());

        Path notZip = Files.writeString(work.resolve("notes.zip"), "not a model");
        Run garbage = cli(with("finetune", "--from", notZip.toString(), "--data", newData, "--output", work.resolve("x3").toString()));
        assertEquals(2, garbage.exit());
        assertTrue(garbage.stderr().contains("notes.zip is not a model zip"), garbage.stderr());
        Run missing = cli(with("finetune", "--from", work.resolve("nothing.zip").toString(), "--data", newData, "--output", work.resolve("x4").toString()));
        assertEquals(2, missing.exit());
        assertTrue(missing.stderr().contains("no model at ") && missing.stderr().contains("nothing.zip: expected a model zip"), missing.stderr());

        // a base for grey 28x28 images (as Fashion-MNIST's IDX data), the new data is 3x28x28
        ComputationGraph grey = ResNets.build(ModelRequest.of("resnet20", new InputShape(1, 28, 28), 10));
        Path greyZip = work.resolve("grey.zip");
        ModelStore.save(grey, new org.apache.hadoop.fs.Path(greyZip.toUri()), CONF, false, new ModelRecord("resnet20", new InputShape(1, 28, 28),
                List.of("a", "b"), null, new float[] {0.286f}, new float[] {0.353f}, 0, 0, "fashion-mnist", "file:/somewhere"));
        Run shape = cli(with("finetune", "--from", greyZip.toString(), "--data", newData, "--output", work.resolve("x5").toString()));
        assertEquals(2, shape.exit());
        assertTrue(shape.stderr().contains("grey.zip takes 1x28x28 images, the data") && shape.stderr().contains("holds 3x28x28 images"),
                shape.stderr());
        Run wrongModel = cli(with("finetune", "--from", greyZip.toString(), "--model", "resnet32", "--data", newData, "--output",
                work.resolve("x6").toString()));
        assertEquals(2, wrongModel.exit());
        assertTrue(wrongModel.stderr().contains("--model resnet32 but the base model") && wrongModel.stderr().contains("is a resnet20"),
                wrongModel.stderr());

        Path noRecord = work.resolve("plain.zip");
        ModelStore.save(grey, new org.apache.hadoop.fs.Path(noRecord.toUri()), CONF, false);
        Run anonymous = cli(with("finetune", "--from", noRecord.toString(), "--data", newData, "--output", work.resolve("x7").toString()));
        assertEquals(2, anonymous.exit());
        assertTrue(anonymous.stderr().contains("has no record of its architecture") && anonymous.stderr().contains("--model"), anonymous.stderr());
    }

    @Test
    void dataPreparedOtherwiseThanTheBaseSawGivesWarnings() {
        SplitManifest train = SplitManifest.read(newData + "/train", CONF);
        ModelRecord imagenet = new ModelRecord("resnet20", new InputShape(3, 28, 28), List.of("a", "b"), null, new float[] {0.5f, 0.5f, 0.5f},
                new float[] {0.25f, 0.25f, 0.25f}, 32, 28, "folder", "file:/elsewhere");
        List<String> warnings = FineTunedNetwork.preprocessingWarnings(imagenet, train, "file:/base.zip", newData);
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("warning: the base model file:/base.zip saw images normalised with mean [0.5, 0.5, 0.5]")
                && warnings.get(0).contains("mean " + Arrays.toString(train.mean())), warnings.get(0));
        assertTrue(warnings.get(1).contains("shorter side scaled to 32 and a centre crop of 28") && warnings.get(1).contains("scaled to 28"),
                warnings.get(1));
        ModelRecord same = ModelStore.recordOf("resnet20", train, newData);
        assertEquals(List.of(), FineTunedNetwork.preprocessingWarnings(same, train, "file:/base.zip", newData));
    }

    // ---- helpers

    /** Every parameter (weights, and batch norm's running mean and variance) of {@code layers} equal, bit for bit. */
    static void assertSameParameters(ComputationGraph expected, ComputationGraph actual, List<String> layers, boolean withStatistics) {
        assertFalse(layers.isEmpty());
        boolean sawStatistics = false;
        for (String name : layers) {
            Layer e = expected.getLayer(name);
            Layer a = actual.getLayer(name);
            for (Map.Entry<String, INDArray> p : e.paramTable().entrySet()) {
                sawStatistics |= p.getKey().equals("mean");
                assertArrayEquals(floats(p.getValue()), floats(a.getParam(p.getKey())), name + " " + p.getKey());
            }
        }
        assertEquals(withStatistics, sawStatistics, "batch-norm running statistics among the compared parameters");
    }

    static float[] floats(INDArray values) {
        return values.dup('c').data().asFloat();
    }

    /** Debian's opencv-doc photos: the stereo-calibration shots of a person holding a chessboard, and everything else. */
    static final Path PHOTOS = Path.of("/usr/share/doc/opencv-doc/examples/data");
    /** Held out from fine-tuning; predict must name their class. */
    static final List<String> HELD_OUT_CHESSBOARD = List.of("left13.jpg", "left14.jpg", "right13.jpg", "right14.jpg");
    static final List<String> HELD_OUT_OTHER = List.of("baboon.jpg", "fruits.jpg", "building.jpg", "messi5.jpg", "smarties.png",
            "starry_night.jpg", "HappyFish.jpg", "orange.jpg");
    /** Neither class: chessboards that are not of that scene, and the stereo pair's other views. */
    static final List<String> AMBIGUOUS = List.of("chessboard.png", "board.jpg", "left.jpg", "right.jpg");

    /**
     * Issue 16 on real photos: the Fashion-MNIST base fine-tuned on 22 chessboard photos and 50 other photos from
     * opencv-doc (prepared by the folder dataset at the base's 3x28x28, shorter side 32), then `predict` through the
     * CLI on held-out photos (JSON lines read back): every one gets its class, with the labels from the model's record.
     */
    @Test
    void predictWithAModelFineTunedOnPhotosNamesTheClassesOfHeldOutPhotos() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(PHOTOS), "skipped: no opencv-doc photos (apt-get install opencv-doc)");
        Path tree = work.resolve("photos");
        Path heldOut = work.resolve("held-out");
        int[] counts = new int[2];
        try (var files = Files.list(PHOTOS)) {
            for (Path photo : files.filter(f -> f.toString().endsWith(".jpg") || f.toString().endsWith(".png")).sorted().toList()) {
                String name = photo.getFileName().toString();
                if (AMBIGUOUS.contains(name)) {
                    continue;
                }
                String label = name.matches("(left|right)\\d\\d\\.jpg") ? "chessboard" : "other";
                boolean held = HELD_OUT_CHESSBOARD.contains(name) || HELD_OUT_OTHER.contains(name);
                Path target = held ? heldOut.resolve(label).resolve(name) : tree.resolve("train").resolve(label).resolve(name);
                Files.createDirectories(target.getParent());
                Files.copy(photo, target);
                if (!held) {
                    counts[label.equals("chessboard") ? 0 : 1]++;
                }
            }
        }
        assertTrue(counts[0] >= 20 && counts[1] >= 40, "photos per class: " + Arrays.toString(counts));
        String photoData = work.resolve("photo-data").toUri().toString();
        Run prepared = cli("prepare", "--dataset", "folder", "--input", tree.toString(), "--output", photoData, "--image-size", "28",
                "--resize", "32", "--master", "local[2]");
        assertEquals(0, prepared.exit(), prepared.stderr());
        // no test split of its own: the held-out photos are predicted instead; train needs one, so the training photos serve
        Files.walkFileTree(work.resolve("photo-data/train"), new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attrs) throws IOException {
                Path copy = work.resolve("photo-data/test").resolve(work.resolve("photo-data/train").relativize(file));
                Files.createDirectories(copy.getParent());
                Files.copy(file, copy);
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
        Path photoRun = work.resolve("photo-run");
        Run tuned = cli("finetune", "--from", baseModel, "--freeze-through", "stem", "--data", photoData, "--output", photoRun.toString(),
                "--epochs", "8", "--batch", "16", "--lr", "0.002", "--seed", "7", "--augment", "flip", "--master", "local[2]",
                "--progress-seconds", "600");
        assertEquals(0, tuned.exit(), tuned.stderr());

        Path predictions = work.resolve("photo-predictions");
        Run predicted = cli("predict", "--model", photoRun.resolve("model.zip").toUri().toString(), "--input", heldOut.toString(),
                "--output", predictions.toUri().toString(), "--format", "json", "--top-k", "2", "--master", "local[2]");
        assertEquals(0, predicted.exit(), predicted.stderr());
        assertTrue(predicted.stdout().contains(HELD_OUT_CHESSBOARD.size() + HELD_OUT_OTHER.size() + " images (0 unreadable)"), predicted.stdout());
        Map<String, String> wrong = new TreeMap<>();
        int rows = 0;
        try (var parts = Files.list(predictions)) {
            for (Path part : parts.filter(f -> f.getFileName().toString().startsWith("part-")).toList()) {
                for (String line : Files.readAllLines(part)) {
                    JsonNode row = JSON.readTree(line);
                    rows++;
                    String path = row.get("path").asText();
                    String expected = path.contains("/chessboard/") ? "chessboard" : "other";
                    String top = row.get("labels").get(0).asText();
                    System.out.printf("%s -> %s %.3f%n", path.substring(path.lastIndexOf('/') + 1), top, row.get("probabilities").get(0).asDouble());
                    if (!top.equals(expected)) {
                        wrong.put(path, top + " " + row.get("probabilities"));
                    }
                }
            }
        }
        assertEquals(HELD_OUT_CHESSBOARD.size() + HELD_OUT_OTHER.size(), rows);
        assertEquals(Map.of(), wrong, "held-out photos given the wrong class");
    }

    static double lastAccuracy(Path run) throws IOException {
        JsonNode epochs = JSON.readTree(run.resolve(MetricsLog.FILE_NAME).toFile()).get("epochs");
        return epochs.get(epochs.size() - 1).get("testAccuracy").asDouble();
    }

    static String[] with(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(SETTINGS));
        return all.toArray(String[]::new);
    }

    static Run cli(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err, true));
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = cli.execute(args);
        } finally {
            System.setOut(stdout);
        }
        String printed = captured.toString(StandardCharsets.UTF_8);
        System.out.println("resnet " + String.join(" ", args) + " -> exit " + exit + "\n" + printed + err);
        return new Run(exit, printed, err.toString());
    }

    static void writeTree(Path dir, byte[][] images, byte[] labels, int firstLabel, List<String> classes, int perClass) throws IOException {
        int[] written = new int[classes.size()];
        for (int i = 0; i < images.length; i++) {
            int c = labels[i] - firstLabel;
            if (c < 0 || c >= classes.size() || written[c] == perClass) {
                continue;
            }
            BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            image.getRaster().setDataElements(0, 0, 28, 28, images[i]);
            Path file = dir.resolve(classes.get(c)).resolve("img" + i + ".png");
            Files.createDirectories(file.getParent());
            ImageIO.write(image, "png", file.toFile());
            written[c]++;
        }
        for (int c = 0; c < classes.size(); c++) {
            assertEquals(perClass, written[c], classes.get(c));
        }
    }

    static byte[][] images(Path gz) throws IOException {
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(gz)))) {
            assertEquals(2051, in.readInt());
            int count = in.readInt();
            int pixels = in.readInt() * in.readInt();
            byte[][] images = new byte[count][pixels];
            for (byte[] image : images) {
                in.readFully(image);
            }
            return images;
        }
    }

    static byte[] labels(Path gz) throws IOException {
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(gz)))) {
            assertEquals(2049, in.readInt());
            byte[] labels = new byte[in.readInt()];
            in.readFully(labels);
            return labels;
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
    }
}
