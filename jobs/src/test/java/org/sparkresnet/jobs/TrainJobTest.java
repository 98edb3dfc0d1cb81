package org.sparkresnet.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkresnet.data.PrepareJob;
import org.sparkresnet.data.PrepareRequest;
import org.sparkresnet.data.ShardedDataset;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.jobs.eval.Evaluator;
import org.sparkresnet.jobs.eval.SparkEvaluation;
import org.sparkresnet.jobs.metrics.EpochMetrics;
import org.sparkresnet.jobs.metrics.EventFiles;
import org.sparkresnet.jobs.metrics.IterationMetrics;
import org.sparkresnet.jobs.metrics.MetricsLog;
import org.sparkresnet.jobs.metrics.TensorBoardLog;
import org.sparkresnet.jobs.metrics.TrainingReport;
import org.sparkresnet.jobs.store.ModelStore;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.TrainingAugmentation;
import org.sparkresnet.jobs.train.TrainResult;
import org.sparkresnet.jobs.train.Trainer;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real Spark local[2] training run on a few hundred real Fashion-MNIST images, end to end through the job code. */
class TrainJobTest {
    @TempDir
    static java.nio.file.Path work;
    static JavaSparkContext sc;
    static String dataUri;
    static TrainResult result;
    static String printed;
    /** A metrics point at most every 2 iterations: 20 iterations per epoch give about 10 points per epoch. */
    static final int METRICS_EVERY = 2;

    @BeforeAll
    static void trainOnce() {
        sc = SparkContexts.create("train-job-test", "local[2]");
        dataUri = work.resolve("data").toUri().toString();
        PrepareJob.run(sc, new PrepareRequest("fashion-mnist", FashionMnist.requireDir().toUri().toString(), dataUri, 128, false, 640));
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        TrainRequest request = new TrainRequest(dataUri, work.resolve("run").toUri().toString(), "resnet20", 3, 32,
                "adam", 2e-3, 0.9, 0, 2, 7, false);
        result = new Trainer(sc, out, Duration.ZERO, METRICS_EVERY).run(request);
        printed = buffer.toString(StandardCharsets.UTF_8);
        System.out.println(printed);
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.close();
        }
    }

    @Test
    void trainingLossFallsAcrossEpochs() {
        List<EpochMetrics> epochs = result.epochs();
        assertEquals(3, epochs.size());
        assertTrue(epochs.get(2).trainLoss() < epochs.get(0).trainLoss() * 0.9,
                "loss should fall: " + epochs.stream().map(EpochMetrics::trainLoss).toList());
        assertEquals(640, epochs.get(0).examples(), "every training image is seen once per epoch");
    }

    /** Parameter averaging deals minibatch references, not float minibatches: no shuffle, and Spark reports the memory. */
    @Test
    void averagingEpochsShuffleNothingAndRecordExecutorMemoryAndDataWait() {
        for (EpochMetrics e : result.epochs()) {
            assertEquals(0, e.shuffleWriteBytes(), "epoch " + e.epoch() + " wrote shuffle bytes");
            assertTrue(e.peakExecutorRssBytes() > 100L << 20, "the executor's resident memory was reported: " + e.peakExecutorRssBytes());
            assertTrue(e.peakExecutorHeapBytes() > 0 && e.peakExecutorHeapBytes() < e.peakExecutorRssBytes(), e.toString());
            assertTrue(e.dataWaitSeconds() >= 0 && e.dataWaitShare() < 1, "data wait " + e.dataWaitSeconds() + " s of "
                    + e.workerLoopSeconds() + " s in the loop");
        }
    }

    @Test
    void progressLinesShowEpochIterationLossSpeedAndEta() {
        assertTrue(printed.matches("(?s).*epoch 1/3  iteration \\d+  examples \\d+/640  loss \\d+\\.\\d+  \\d+\\.\\d images/s  ETA \\S+.*"), printed);
        assertTrue(printed.contains("epoch 3/3 done: train loss"), printed);
    }

    @Test
    void savedModelLoadsBackAndGivesTheSameOutputs() throws Exception {
        assertTrue(Files.exists(work.resolve("run").resolve(Trainer.MODEL_FILE)));
        ComputationGraph loaded = ModelStore.load(new Path(result.modelUri()), sc.hadoopConfiguration());
        DataSet batch = ShardedDataset.minibatches(sc, new Path(dataUri, "test").toString(), 16, -1).first();
        INDArray expected = result.network().outputSingle(batch.getFeatures());
        INDArray actual = loaded.outputSingle(batch.getFeatures());
        assertArrayEquals(expected.data().asFloat(), actual.data().asFloat(), 1e-6f);
        assertEquals(result.network().params(), loaded.params());
    }

    /** predict and features take class names and preprocessing from the model itself: the train job records them from the data. */
    @Test
    void savedModelCarriesTheDatasClassNamesAndPreprocessing() {
        org.sparkresnet.model.record.ModelRecord record = ModelStore.loadRequiringRecord(new Path(result.modelUri()), sc.hadoopConfiguration())
                .record().orElseThrow();
        org.sparkresnet.data.SplitManifest train = org.sparkresnet.data.SplitManifest.read(new Path(dataUri, "train").toString(),
                sc.hadoopConfiguration());
        assertEquals(train.labelNames(), record.labels());
        assertEquals(train.shape(), record.input());
        assertArrayEquals(train.mean(), record.mean());
        assertArrayEquals(train.std(), record.std());
        assertEquals("resnet20", record.model());
        assertTrue(record.storedAsFound(), "IDX data is stored as found: " + record);
    }

    @Test
    void metricsFileHoldsEveryEpoch() throws Exception {
        String json = Files.readString(work.resolve("run").resolve(MetricsLog.FILE_NAME));
        assertTrue(json.contains("\"epoch\" : 3") && json.contains("\"testAccuracy\""), json);
    }

    static List<IterationMetrics> iterationPoints() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode doc = json.readTree(work.resolve("run").resolve(MetricsLog.FILE_NAME).toFile());
        List<IterationMetrics> points = new ArrayList<>();
        for (JsonNode p : doc.get("iterations")) {
            points.add(json.treeToValue(p, IterationMetrics.class));
        }
        return points;
    }

    /** The curves a user watches: several points in every epoch, in order, and adding up to the epoch's figures. */
    @Test
    void metricsJsonHoldsIterationPointsThatAddUpToEachEpoch() throws Exception {
        List<IterationMetrics> points = iterationPoints();
        long done = 0;
        long previous = 0;
        for (EpochMetrics e : result.epochs()) {
            List<IterationMetrics> epoch = points.stream().filter(p -> p.epoch() == e.epoch()).toList();
            assertTrue(epoch.size() >= 4, "epoch " + e.epoch() + " of " + e.iterations() + " iterations has a curve, not a point: " + epoch);
            double lossSum = 0;
            for (int i = 0; i < epoch.size(); i++) {
                IterationMetrics p = epoch.get(i);
                assertEquals(previous + p.windowIterations(), p.iteration(), "iteration numbers increase by each window: " + epoch);
                assertTrue(p.windowIterations() >= (i == epoch.size() - 1 ? 1 : METRICS_EVERY), "at most a point per "
                        + METRICS_EVERY + " iterations but the epoch's last: " + epoch);
                assertEquals(e.learningRate(), p.learningRate(), 1e-15);
                assertTrue(p.imagesPerSecond() > 0 && p.trainLoss() > 0, p.toString());
                assertTrue(Double.isNaN(p.dataWaitShare()) || p.dataWaitShare() >= 0 && p.dataWaitShare() < 1, p.toString());
                lossSum += p.trainLoss() * p.windowIterations();
                previous = p.iteration();
            }
            done += e.iterations();
            assertEquals(done, epoch.get(epoch.size() - 1).iteration(), "every epoch ends on a point");
            assertEquals(e.trainLoss(), lossSum / e.iterations(), 1e-9 * e.trainLoss(), "the windows' losses average to the epoch's");
        }
        assertEquals(points.size(), points.stream().filter(p -> p.epoch() >= 1 && p.epoch() <= 3).count());
    }

    @Test
    void reportShowsTheIterationCurvesAndTheSettings() throws Exception {
        String html = Files.readString(work.resolve("run").resolve(TrainingReport.HTML));
        assertTrue(html.contains("<img alt=\"training loss against the iteration\" src=\"data:image/png;base64,"), html);
        assertTrue(html.contains("<img alt=\"training images per second against the iteration\" src=\"data:image/png;base64,"), html);
        assertTrue(html.contains("<img alt=\"test accuracy per epoch\""), html);
        assertTrue(html.contains("<tr><th>batch size</th><td>32</td></tr>"), html);
        assertTrue(html.contains("<tr><th>epochs</th><td>3</td></tr>") && html.contains("<tr><th>mode</th><td>averaging</td></tr>"), html);
        assertTrue(html.contains("<tr><th>training images</th><td>640</td></tr>"), html);
    }

    /** What TensorBoard reads: one event file per epoch, decoded with protoc against TensorBoard's event.proto. */
    @Test
    void tensorBoardFilesHoldTheIterationPointsAndTheEpochScalars() throws Exception {
        EventFiles.assumeProtoc();
        List<java.nio.file.Path> files = EventFiles.files(work.resolve("run").resolve(TensorBoardLog.DIR));
        assertEquals(3, files.size(), "one file per epoch: " + files);
        List<IterationMetrics> points = iterationPoints();
        for (int epoch = 1; epoch <= 3; epoch++) {
            java.nio.file.Path file = files.get(epoch - 1);
            assertTrue(EventFiles.FILE_NAME.matcher(file.getFileName().toString()).matches(), file.toString());
            List<EventFiles.Event> events = EventFiles.read(file);
            assertEquals("brain.Event:2", events.get(0).fileVersion());
            int e = epoch;
            List<IterationMetrics> ofEpoch = points.stream().filter(p -> p.epoch() == e).toList();
            assertEquals(ofEpoch.size() + 2, events.size(), file + ": file version, the points, the epoch");
            for (int i = 0; i < ofEpoch.size(); i++) {
                EventFiles.Event event = events.get(i + 1);
                assertEquals(ofEpoch.get(i).iteration(), event.step());
                assertEquals((float) ofEpoch.get(i).trainLoss(), event.values().get("train/loss"));
                assertEquals((float) ofEpoch.get(i).learningRate(), event.values().get("train/learning_rate"));
                assertEquals((float) ofEpoch.get(i).imagesPerSecond(), event.values().get("train/images_per_second"));
                assertTrue(event.wallTime() > 1.7e9, "wall time in unix seconds: " + event.wallTime());
            }
            EventFiles.Event end = events.get(events.size() - 1);
            assertEquals(epoch, end.step());
            assertEquals((float) result.epochs().get(epoch - 1).testAccuracy(), end.values().get("test/accuracy"));
            assertEquals((float) result.epochs().get(epoch - 1).trainLoss(), end.values().get("train/epoch_loss"));
        }
    }

    @Test
    void evaluateJobReproducesTheLastEpochsAccuracy() {
        SparkEvaluation.Result eval = Evaluator.run(sc, result.modelUri(), new Path(dataUri, "test").toString());
        assertEquals(result.last().testAccuracy(), eval.accuracy(), 1e-9);
        assertTrue(eval.accuracy() > 0.3, "3 epochs on 640 images should beat chance (0.1) clearly: " + eval.accuracy());
    }

    @Test
    void augmentFlipMirrorsSomeTrainingImagesAndKeepsTheRest() {
        TrainRequest plain = new TrainRequest(dataUri, "file:/unused", "resnet20", 1, 32, "adam", 1e-3, 0.9, 0, 2, 7, false);
        DataSet stored = Trainer.trainingMinibatches(sc, plain, 1).first();
        DataSet flipped = Trainer.trainingMinibatches(sc, plain.withAugment(TrainingAugmentation.FLIP), 1).first();
        assertEquals(stored.getLabels(), flipped.getLabels(), "the same examples in the same order, labels untouched");
        int mirrored = 0;
        int width = (int) stored.getFeatures().size(3);
        for (int i = 0; i < stored.numExamples(); i++) {
            float[] original = stored.getFeatures().slice(i).dup().data().asFloat();
            float[] seen = flipped.getFeatures().slice(i).dup().data().asFloat();
            float[] mirror = original.clone();
            for (int row = 0; row < original.length / width; row++) {
                for (int x = 0; x < width; x++) {
                    mirror[row * width + x] = original[row * width + width - 1 - x];
                }
            }
            boolean same = java.util.Arrays.equals(original, seen);
            boolean isMirror = java.util.Arrays.equals(mirror, seen);
            assertTrue(same || isMirror, "example " + i + " is neither the stored image nor its mirror");
            mirrored += isMirror && !same ? 1 : 0;
        }
        assertTrue(mirrored > 4 && mirrored < stored.numExamples() - 4, "about half of 32 mirrored, got " + mirrored);
        assertTrue(printed.contains("augmentation: none"), printed);
    }

    @Test
    void refusesToOverwriteAModelWithoutTheFlag() {
        TrainRequest again = new TrainRequest(dataUri, work.resolve("run").toUri().toString(), "resnet20", 1, 32,
                "adam", 1e-3, 0.9, 0, 2, 7, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(sc, System.out, Duration.ZERO).run(again));
        assertTrue(e.getMessage().contains("--overwrite"), e.getMessage());
    }
}
