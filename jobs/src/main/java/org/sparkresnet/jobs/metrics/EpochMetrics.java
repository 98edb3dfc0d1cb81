package org.sparkresnet.jobs.metrics;

import com.fasterxml.jackson.annotation.JsonCreator;

/**
 * What the driver records after each epoch; one entry of metrics.json.
 *
 * @param workerLoopSeconds worker-seconds inside the minibatch loop (compute), summed over the workers
 * @param workers           training workers that ran concurrently: {@code workerLoopSeconds / (trainSeconds x
 *                          workers)} is the share of their time spent computing, the rest went to distribution
 * @param dataWaitSeconds   worker-seconds the minibatch loop waited for its next minibatch (reading and decoding
 *                          not hidden by the prefetch), summed over the workers
 * @param shuffleWriteBytes bytes Spark's tasks wrote to shuffles during the epoch's training (Spark's task metrics)
 * @param peakExecutorRssBytes largest resident memory of one executor's process tree during the epoch (heap and ND4J's
 *                          native arrays; 0 when Spark did not report it)
 * @param peakExecutorHeapBytes largest JVM heap in use in one executor during the epoch
 */
public record EpochMetrics(int epoch, long iterations, long examples, double trainLoss, double testAccuracy,
                           double testTop5Accuracy, double learningRate, double trainSeconds, double imagesPerSecond,
                           double workerLoopSeconds, int workers, double dataWaitSeconds, long shuffleWriteBytes,
                           long peakExecutorRssBytes, long peakExecutorHeapBytes) {
    /** The canonical constructor is the one JSON (metrics.json, checkpoint markers) is read with. */
    @JsonCreator
    public EpochMetrics {
    }

    /** Without the data-path figures (NaN and 0): as metrics.json files of earlier versions hold them. */
    public EpochMetrics(int epoch, long iterations, long examples, double trainLoss, double testAccuracy, double testTop5Accuracy,
                        double learningRate, double trainSeconds, double imagesPerSecond, double workerLoopSeconds, int workers) {
        this(epoch, iterations, examples, trainLoss, testAccuracy, testTop5Accuracy, learningRate, trainSeconds, imagesPerSecond,
                workerLoopSeconds, workers, Double.NaN, 0, 0, 0);
    }

    /** The share of the minibatch loop's time spent waiting for data; NaN when it was not measured. */
    public double dataWaitShare() {
        return workerLoopSeconds > 0 && !Double.isNaN(dataWaitSeconds) ? dataWaitSeconds / workerLoopSeconds : Double.NaN;
    }

    /** The share of the workers' wall time spent in the minibatch loop; NaN when it was not measured. */
    public double computeShare() {
        return workers <= 0 || trainSeconds <= 0 ? Double.NaN : workerLoopSeconds / (trainSeconds * workers);
    }
}
