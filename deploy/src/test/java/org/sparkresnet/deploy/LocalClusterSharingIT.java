package org.sparkresnet.deploy;

import io.aeron.CommonContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.jobs.dl4jfix.AeronDirectories;
import org.sparkresnet.jobs.dl4jfix.AeronTermLength;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.TrainResult;
import org.sparkresnet.jobs.train.Trainer;
import org.sparkresnet.jobs.train.TrainingMode;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gradient sharing between two executor JVMs over Aeron on loopback: the driver listens on the base port and
 * executor n on base + 1 + n (PerExecutorPortSupplier), so both executors bind on one host. Each executor's log
 * buffers in /dev/shm are what AeronTermLength says.
 */
class LocalClusterSharingIT {
    @TempDir
    java.nio.file.Path work;

    @Test
    void gradientSharingOverTwoExecutorJvmsLearnsFashionMnist() {
        try (JavaSparkContext sc = LocalCluster.start("local-cluster-sharing-it", 2, 2048)) {
            String data = LocalCluster.prepareFashionMnist(sc, work.resolve("data"), 2048);
            TrainRequest request = new TrainRequest(data, work.resolve("run").toUri().toString(), "resnet20", 2, 32,
                    "adam", 2e-3, 0.9, 0, 1, 11, false).withMode(TrainingMode.SHARING);
            TrainResult result = new Trainer(sc, System.out, Duration.ofSeconds(5)).run(request);
            assertEquals(2 * 2048, result.epochs().stream().mapToLong(e -> e.examples()).sum(),
                    "both executors' iterations in both epochs reach the driver's progress counters");
            double accuracy = result.last().testAccuracy();
            assertTrue(accuracy > 0.5, "test accuracy should be well above chance (0.1): " + accuracy);
            assertTrue(Files.exists(work.resolve("run").resolve(Trainer.MODEL_FILE)));
            assertExecutorsLogBuffers(2);
        }
    }

    /**
     * Each executor's media driver keeps a publication to every other JVM and to itself, each of 3 terms of our
     * length (AeronTermLength), not dl4j's 32 MiB.
     */
    private static void assertExecutorsLogBuffers(int executors) {
        Path base = Path.of(CommonContext.getAeronDirectoryName());
        List<ProcessHandle> jvms = LocalCluster.executorJvms();
        assertEquals(executors, jvms.size());
        long term = AeronTermLength.DEFAULT_BYTES;
        for (ProcessHandle executor : jvms) {
            List<Path> folders = AeronDirectories.foldersOf(base, executor.pid());
            assertEquals(1, folders.size(), "executor " + executor.pid() + "'s Aeron folder: " + folders);
            File[] publications = folders.get(0).resolve("publications").toFile().listFiles();
            assertEquals(AeronTermLength.connections(false, executors), publications == null ? -1 : publications.length,
                    "publications of executor " + executor.pid());
            for (File log : publications) {
                assertTrue(log.length() >= 3 * term && log.length() < 3 * term + (1 << 20), log + ": " + log.length() + " bytes");
            }
        }
    }
}
