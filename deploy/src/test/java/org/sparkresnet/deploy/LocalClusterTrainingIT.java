package org.sparkresnet.deploy;

import org.apache.hadoop.fs.Path;
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

/** prepare, train (parameter averaging) and evaluate on a real master with two executor JVMs. */
class LocalClusterTrainingIT {
    @TempDir
    java.nio.file.Path work;

    @Test
    void parameterAveragingOverTwoExecutorJvmsLearnsFashionMnist() {
        try (JavaSparkContext sc = LocalCluster.start("local-cluster-training-it", 2, 2048)) {
            String data = LocalCluster.prepareFashionMnist(sc, work.resolve("data"), 2048);
            TrainRequest request = new TrainRequest(data, work.resolve("run").toUri().toString(), "resnet20", 2, 32,
                    "adam", 2e-3, 0.9, 0, 4, 11, false);
            TrainResult result = new Trainer(sc, System.out, Duration.ofSeconds(5)).run(request);
            assertEquals(2 * 2048, result.epochs().stream().mapToLong(e -> e.examples()).sum(),
                    "both executors' iterations reach the driver's progress counters");
            double accuracy = Evaluator.run(sc, result.modelUri(), new Path(data, "test").toString()).accuracy();
            assertTrue(accuracy > 0.55, "test accuracy should be well above chance (0.1): " + accuracy);
            assertEquals(result.last().testAccuracy(), accuracy, 1e-9);
        }
    }
}
