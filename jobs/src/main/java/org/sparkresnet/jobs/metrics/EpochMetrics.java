package org.sparkresnet.jobs.metrics;

/** What the driver records after each epoch; one entry of metrics.json. */
public record EpochMetrics(int epoch, long iterations, long examples, double trainLoss, double testAccuracy,
                           double testTop5Accuracy, double learningRate, double trainSeconds, double imagesPerSecond) {
}
