package org.sparkresnet.jobs.train;

import java.util.List;

/**
 * Everything a training run needs, validated once. URIs are Hadoop FS URIs (file:, hdfs://, s3a://).
 *
 * @param dataUri  a prepared dataset (the prepare job's output, holding train/ and test/ splits)
 * @param outputUri where model.zip and metrics.json go
 */
public record TrainRequest(String dataUri, String outputUri, String model, int epochs, int batchSize,
                           String updater, double learningRate, double momentum, double weightDecay,
                           int averagingFrequency, long seed, boolean overwrite) {
    public static final List<String> UPDATERS = List.of("adam", "sgd");

    public TrainRequest {
        require(dataUri != null && !dataUri.isBlank(), "--data is required");
        require(outputUri != null && !outputUri.isBlank(), "--output is required");
        require(epochs >= 1, "--epochs must be at least 1, got " + epochs);
        require(batchSize >= 1, "--batch must be at least 1, got " + batchSize);
        require(UPDATERS.contains(updater), "--updater must be one of " + UPDATERS + ", got '" + updater + "'");
        require(learningRate > 0 && Double.isFinite(learningRate), "--lr must be positive, got " + learningRate);
        require(momentum >= 0 && momentum < 1, "--momentum must be in [0, 1), got " + momentum);
        require(weightDecay >= 0, "--weight-decay must be >= 0, got " + weightDecay);
        require(averagingFrequency >= 1, "--averaging-frequency must be at least 1, got " + averagingFrequency);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
