package org.sparkresnet.deploy;

import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.TrainResult;
import org.sparkresnet.jobs.train.Trainer;
import org.sparkresnet.jobs.train.TrainingMode;

import java.nio.file.Files;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gradient sharing between two executor JVMs over Aeron on loopback: the driver listens on the base port and
 * executor n on base + 1 + n (PerExecutorPortSupplier), so both executors bind on one host.
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
        }
    }
}
