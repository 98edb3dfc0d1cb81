package org.sparkresnet.jobs.nightly;

import org.sparkresnet.data.PrepareRequest;
import org.sparkresnet.data.image.ImageDatasetSpec;
import org.sparkresnet.jobs.train.LearningRateSchedule;
import org.sparkresnet.jobs.train.OptimizerSettings;
import org.sparkresnet.jobs.train.SharingSettings;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.TrainingAugmentation;
import org.sparkresnet.jobs.train.TrainingMode;

import java.time.Duration;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;

/** One night's settings, validated once (bad values: IllegalArgumentException naming them, exit code 2). */
record NightlySettings(LocalDate date, String root, String lockDir, String dataset, String input, int imageSize, int resize,
                       Integer shardSize, boolean skipBad, String model, int epochs, int batch, String mode, String updater,
                       double learningRate, long seed, String augment, int averagingFrequency, double gateTolerance, int keep,
                       boolean force, Duration staleAfter, Duration heartbeatEvery, String master, int progressSeconds) {
    NightlySettings {
        require(root != null && !root.isBlank(), "--root is required");
        require(keep >= 1, "--keep must be at least 1, got " + keep);
        require(staleAfter.compareTo(heartbeatEvery.multipliedBy(3)) > 0, "--lock-stale-seconds (" + staleAfter.toSeconds()
                + ") must be more than three heartbeats (--heartbeat-seconds " + heartbeatEvery.toSeconds() + ")");
        require(!heartbeatEvery.isNegative() && !heartbeatEvery.isZero(), "--heartbeat-seconds must be positive");
        new QualityGate(gateTolerance); // validates
        prepareRequest(dataset, input, imageSize, resize, shardSize, skipBad, "unused"); // validates dataset, sizes, input
        trainRequest(model, epochs, batch, mode, updater, learningRate, seed, augment, averagingFrequency, "unused", "unused", false, false);
    }

    boolean imageDataset() {
        return ImageDatasetSpec.isImageDataset(dataset);
    }

    PrepareRequest prepareRequest(String outputUri) {
        return prepareRequest(dataset, input, imageSize, resize, shardSize, skipBad, outputUri);
    }

    TrainRequest trainRequest(String dataUri, String outputUri, boolean resume, boolean overwrite) {
        return trainRequest(model, epochs, batch, mode, updater, learningRate, seed, augment, averagingFrequency, dataUri, outputUri, resume, overwrite);
    }

    private static PrepareRequest prepareRequest(String dataset, String input, int imageSize, int resize, Integer shardSize, boolean skipBad,
                                                 String outputUri) {
        int examplesPerShard = shardSize != null ? shardSize
                : ImageDatasetSpec.isImageDataset(dataset) ? PrepareRequest.DEFAULT_IMAGE_SHARD_SIZE : PrepareRequest.DEFAULT_SHARD_SIZE;
        return new PrepareRequest(dataset, input, outputUri, examplesPerShard, false, 0, imageSize, resize, skipBad);
    }

    private static TrainRequest trainRequest(String model, int epochs, int batch, String mode, String updater, double learningRate, long seed,
                                             String augment, int averagingFrequency, String dataUri, String outputUri, boolean resume,
                                             boolean overwrite) {
        return new TrainRequest(dataUri, outputUri, model, epochs, batch,
                new OptimizerSettings(updater, learningRate, 0.9, 0, LearningRateSchedule.CONSTANT),
                TrainingMode.parse(mode), averagingFrequency, SharingSettings.defaults(), 1, resume, seed, overwrite,
                TrainingAugmentation.parse(augment));
    }

    /** What an attempt's outputs depend on: a rerun with the same values resumes the attempt, other values start a new one. */
    Map<String, Object> fingerprint() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("dataset", dataset);
        values.put("input", input);
        values.put("imageSize", imageSize);
        values.put("resize", resize);
        values.put("shardSize", shardSize);
        values.put("skipBad", skipBad);
        values.put("model", model);
        values.put("epochs", epochs);
        values.put("batch", batch);
        values.put("mode", mode);
        values.put("updater", updater);
        values.put("lr", learningRate);
        values.put("seed", seed);
        values.put("augment", augment);
        values.put("averagingFrequency", averagingFrequency);
        return values;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
