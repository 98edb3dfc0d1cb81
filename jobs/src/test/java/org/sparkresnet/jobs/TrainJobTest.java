package org.sparkresnet.jobs;

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
import org.sparkresnet.jobs.metrics.MetricsLog;
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

    @BeforeAll
    static void trainOnce() {
        sc = SparkContexts.create("train-job-test", "local[2]");
        dataUri = work.resolve("data").toUri().toString();
        PrepareJob.run(sc, new PrepareRequest("fashion-mnist", FashionMnist.requireDir().toUri().toString(), dataUri, 128, false, 640));
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        TrainRequest request = new TrainRequest(dataUri, work.resolve("run").toUri().toString(), "resnet20", 3, 32,
                "adam", 2e-3, 0.9, 0, 2, 7, false);
        result = new Trainer(sc, out, Duration.ZERO).run(request);
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

    @Test
    void metricsFileHoldsEveryEpoch() throws Exception {
        String json = Files.readString(work.resolve("run").resolve(MetricsLog.FILE_NAME));
        assertTrue(json.contains("\"epoch\" : 3") && json.contains("\"testAccuracy\""), json);
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
