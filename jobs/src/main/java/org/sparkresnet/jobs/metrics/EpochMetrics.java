package org.sparkresnet.jobs.metrics;

/**
 * What the driver records after each epoch; one entry of metrics.json.
 *
 * @param workerLoopSeconds worker-seconds inside the minibatch loop (compute), summed over the workers
 * @param workers           training workers that ran concurrently: {@code workerLoopSeconds / (trainSeconds x
 *                          workers)} is the share of their time spent computing, the rest went to distribution
 */
public record EpochMetrics(int epoch, long iterations, long examples, double trainLoss, double testAccuracy,
                           double testTop5Accuracy, double learningRate, double trainSeconds, double imagesPerSecond,
                           double workerLoopSeconds, int workers) {

    /** The share of the workers' wall time spent in the minibatch loop; NaN when it was not measured. */
    public double computeShare() {
        return workers <= 0 || trainSeconds <= 0 ? Double.NaN : workerLoopSeconds / (trainSeconds * workers);
    }
}
