package org.sparkresnet.jobs;

import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.data.PrepareJob;
import org.sparkresnet.data.PrepareRequest;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.jobs.metrics.EpochMetrics;
import org.sparkresnet.jobs.metrics.EventFiles;
import org.sparkresnet.jobs.metrics.MetricsLog;
import org.sparkresnet.jobs.metrics.TensorBoardLog;
import org.sparkresnet.jobs.store.Checkpoints;
import org.sparkresnet.jobs.store.RunManifest;
import org.sparkresnet.jobs.train.LearningRateSchedule;
import org.sparkresnet.jobs.train.OptimizerSettings;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.TrainResult;
import org.sparkresnet.jobs.train.Trainer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-epoch checkpoints and --resume after a run killed while writing its third checkpoint. */
class CheckpointResumeTest {
    @TempDir
    static Path work;
    static JavaSparkContext sc;
    static String data;

    @BeforeAll
    static void prepare() {
        sc = SparkContexts.create("checkpoint-resume-test", "local[2]");
        data = work.resolve("data").toUri().toString();
        PrepareJob.run(sc, new PrepareRequest("fashion-mnist", FashionMnist.requireDir().toUri().toString(), data, 128, false, 256));
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.close();
        }
    }

    static TrainRequest request(Path output) {
        return new TrainRequest(data, output.toUri().toString(), "resnet20", 3, 32, "adam", 2e-3, 0.9, 0, 2, 5, false)
                .withOptimizer(new OptimizerSettings("adam", 2e-3, 0.9, 0, new LearningRateSchedule(LearningRateSchedule.Decay.COSINE, 1, 1, 1)));
    }

    static List<Long> iterationNumbers(Path run) throws Exception {
        List<Long> numbers = new java.util.ArrayList<>();
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(run.resolve(MetricsLog.FILE_NAME).toFile()).get("iterations")
                .forEach(p -> numbers.add(p.get("iteration").asLong()));
        return numbers;
    }

    @Test
    void resumeAfterAKillMidCheckpointContinuesAtTheRightEpochAndRate() throws Exception {
        Path run = work.resolve("run");
        TrainResult full = new Trainer(sc, System.out, Duration.ZERO).run(request(run));
        Path checkpoints = run.resolve(Checkpoints.DIR);
        for (int epoch = 1; epoch <= 3; epoch++) {
            assertTrue(Files.exists(checkpoints.resolve(Checkpoints.zipName(epoch))) && Files.exists(checkpoints.resolve(Checkpoints.markerName(epoch))));
        }
        assertTrue(Files.readString(run.resolve(RunManifest.FILE_NAME)).contains("\"finalMetrics\""));
        List<Long> fullIterations = iterationNumbers(run);
        assertEquals(3, EventFiles.files(run.resolve(TensorBoardLog.DIR)).size());

        // the kill: model.zip and run.json not yet written, epoch 3's zip half written and its marker missing
        Files.delete(run.resolve(Trainer.MODEL_FILE));
        Files.delete(run.resolve(RunManifest.FILE_NAME));
        Files.delete(checkpoints.resolve(Checkpoints.markerName(3)));
        byte[] zip = Files.readAllBytes(checkpoints.resolve(Checkpoints.zipName(3)));
        Files.write(checkpoints.resolve(Checkpoints.zipName(3)), java.util.Arrays.copyOf(zip, zip.length / 2));

        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(sc, System.out, Duration.ZERO).run(request(run)));
        assertTrue(refused.getMessage().contains("--resume"), refused.getMessage());

        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        TrainResult resumed = new Trainer(sc, new java.io.PrintStream(printed, true), Duration.ZERO).run(request(run).withResume(true));
        String log = printed.toString();
        assertTrue(log.contains("resuming after epoch 2 of 3"), log);
        assertFalse(log.contains("epoch 1/3 done") || log.contains("epoch 2/3 done"), log);
        List<EpochMetrics> epochs = resumed.epochs();
        assertEquals(List.of(1, 2, 3), epochs.stream().map(EpochMetrics::epoch).toList());
        assertEquals(full.epochs().subList(0, 2), epochs.subList(0, 2), "metrics so far come back from the checkpoint");
        assertEquals(full.epochs().stream().map(EpochMetrics::learningRate).toList(), epochs.stream().map(EpochMetrics::learningRate).toList(),
                "learning rate: warm-up 1e-3, then cosine 2e-3 -> 1e-3");
        double[] expected = {1e-3, 2e-3, 1e-3};
        for (int i = 0; i < 3; i++) {
            assertEquals(expected[i], epochs.get(i).learningRate(), 1e-12, "learning rate of epoch " + (i + 1));
        }
        assertTrue(Files.exists(run.resolve(Trainer.MODEL_FILE)) && Files.exists(run.resolve(RunManifest.FILE_NAME)));
        assertEquals(full.last().examples(), resumed.last().examples());
        assertEquals(fullIterations, iterationNumbers(run), "the resumed run keeps epochs 1-2's points and numbers epoch 3's"
                + " iterations after them, as the uninterrupted run did");
        assertEquals(3, EventFiles.files(run.resolve(TensorBoardLog.DIR)).size(), "one TensorBoard file per epoch, none twice");
    }
}
