package org.sparkresnet.deploy;

import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.jobs.eval.Evaluator;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.TrainResult;
import org.sparkresnet.jobs.train.Trainer;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * prepare, train (parameter averaging) and evaluate on a real master with two executor JVMs, given relative paths as
 * a user types them: the executors run in other working directories, so the jobs must qualify them on the driver.
 */
class LocalClusterTrainingIT {
    @TempDir
    java.nio.file.Path work;

    @Test
    void parameterAveragingOverTwoExecutorJvmsLearnsFashionMnist() {
        try (JavaSparkContext sc = LocalCluster.start("local-cluster-training-it", 2, 2048)) {
            LocalCluster.prepareFashionMnist(sc, work.resolve("data"), 2048);
            String data = relative(work.resolve("data"));
            assertTrue(!data.startsWith("/") && !data.contains(":"), data);
            TrainRequest request = new TrainRequest(data, relative(work.resolve("run")), "resnet20", 2, 32,
                    "adam", 2e-3, 0.9, 0, 4, 11, false);
            TrainResult result = new Trainer(sc, System.out, Duration.ofSeconds(5)).run(request);
            assertEquals(2 * 2048, result.epochs().stream().mapToLong(e -> e.examples()).sum(),
                    "both executors' iterations reach the driver's progress counters");
            assertTrue(result.modelUri().startsWith("file:/"), "the model's path is qualified: " + result.modelUri());
            double accuracy = Evaluator.run(sc, relative(work.resolve("run").resolve("model.zip")), data + "/test").accuracy();
            assertTrue(accuracy > 0.55, "test accuracy should be well above chance (0.1): " + accuracy);
            assertEquals(result.last().testAccuracy(), accuracy, 1e-9);
            assertEquals(0, result.last().shuffleWriteBytes(), "the executors read their minibatches from the shards");
        }
    }

    /** The path relative to this JVM's working directory, as a user would type it. */
    static String relative(java.nio.file.Path path) {
        return java.nio.file.Path.of("").toAbsolutePath().relativize(path.toAbsolutePath()).toString();
    }
}
