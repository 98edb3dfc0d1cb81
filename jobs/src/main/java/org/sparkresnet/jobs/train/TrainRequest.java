package org.sparkresnet.jobs.train;

import java.util.Objects;

/**
 * Everything a training run needs, validated once. URIs are Hadoop FS URIs (file:, hdfs://, s3a://).
 *
 * @param dataUri            a prepared dataset (the prepare job's output, holding train/ and test/ splits)
 * @param outputUri          where model.zip, run.json, metrics.json and checkpoints/ go
 * @param batchSize          minibatch size per worker
 * @param averagingFrequency averaging mode: minibatches per worker between two parameter averagings
 * @param sharing            sharing mode: gradient-sharing settings (ignored in averaging mode)
 * @param checkpointEvery    write a checkpoint every this many epochs (the last epoch always gets model.zip)
 * @param resume             continue from the newest complete checkpoint in the output, if there is one
 * @param augment            random variation applied to the training images as they are read, new in every epoch
 * @param fineTuning         start from a trained model with a new classifier and frozen stages ({@code finetune}); null
 *                           for a run from fresh weights
 */
public record TrainRequest(String dataUri, String outputUri, String model, int epochs, int batchSize,
                           OptimizerSettings optimizer, TrainingMode mode, int averagingFrequency, SharingSettings sharing,
                           int checkpointEvery, boolean resume, long seed, boolean overwrite, TrainingAugmentation augment,
                           FineTuning fineTuning) {

    public TrainRequest {
        require(dataUri != null && !dataUri.isBlank(), "--data is required");
        require(outputUri != null && !outputUri.isBlank(), "--output is required");
        require(model != null && !model.isBlank(), "--model is required");
        require(epochs >= 1, "--epochs must be at least 1, got " + epochs);
        require(batchSize >= 1, "--batch must be at least 1, got " + batchSize);
        Objects.requireNonNull(optimizer, "optimizer");
        require(mode != null, "--mode must be one of " + TrainingMode.NAMES);
        require(averagingFrequency >= 1, "--averaging-frequency must be at least 1, got " + averagingFrequency);
        Objects.requireNonNull(sharing, "sharing");
        require(checkpointEvery >= 1, "--checkpoint-every must be at least 1, got " + checkpointEvery);
        Objects.requireNonNull(augment, "augment");
        require(!(resume && overwrite), "--resume and --overwrite contradict each other: resume continues the run in --output, "
                + "overwrite replaces it");
    }

    /** A run from fresh weights. */
    public TrainRequest(String dataUri, String outputUri, String model, int epochs, int batchSize, OptimizerSettings optimizer,
                        TrainingMode mode, int averagingFrequency, SharingSettings sharing, int checkpointEvery, boolean resume,
                        long seed, boolean overwrite, TrainingAugmentation augment) {
        this(dataUri, outputUri, model, epochs, batchSize, optimizer, mode, averagingFrequency, sharing, checkpointEvery, resume, seed,
                overwrite, augment, null);
    }

    /** Parameter averaging with a constant learning rate and a checkpoint every epoch: the short form tests use. */
    public TrainRequest(String dataUri, String outputUri, String model, int epochs, int batchSize, String updater,
                        double learningRate, double momentum, double weightDecay, int averagingFrequency, long seed, boolean overwrite) {
        this(dataUri, outputUri, model, epochs, batchSize,
                new OptimizerSettings(updater, learningRate, momentum, weightDecay, LearningRateSchedule.CONSTANT),
                TrainingMode.AVERAGING, averagingFrequency, SharingSettings.defaults(), 1, false, seed, overwrite,
                TrainingAugmentation.NONE);
    }

    public TrainRequest withMode(TrainingMode newMode) {
        return new TrainRequest(dataUri, outputUri, model, epochs, batchSize, optimizer, newMode, averagingFrequency, sharing,
                checkpointEvery, resume, seed, overwrite, augment, fineTuning);
    }

    public TrainRequest withEpochs(int newEpochs) {
        return new TrainRequest(dataUri, outputUri, model, newEpochs, batchSize, optimizer, mode, averagingFrequency, sharing,
                checkpointEvery, resume, seed, overwrite, augment, fineTuning);
    }

    public TrainRequest withOptimizer(OptimizerSettings newOptimizer) {
        return new TrainRequest(dataUri, outputUri, model, epochs, batchSize, newOptimizer, mode, averagingFrequency, sharing,
                checkpointEvery, resume, seed, overwrite, augment, fineTuning);
    }

    public TrainRequest withResume(boolean newResume) {
        return new TrainRequest(dataUri, outputUri, model, epochs, batchSize, optimizer, mode, averagingFrequency, sharing,
                checkpointEvery, newResume, seed, overwrite, augment, fineTuning);
    }

    public TrainRequest withCheckpointEvery(int every) {
        return new TrainRequest(dataUri, outputUri, model, epochs, batchSize, optimizer, mode, averagingFrequency, sharing,
                every, resume, seed, overwrite, augment, fineTuning);
    }

    public TrainRequest withSharing(SharingSettings newSharing) {
        return new TrainRequest(dataUri, outputUri, model, epochs, batchSize, optimizer, mode, averagingFrequency, newSharing,
                checkpointEvery, resume, seed, overwrite, augment, fineTuning);
    }

    public TrainRequest withPaths(String newDataUri, String newOutputUri) {
        return new TrainRequest(newDataUri, newOutputUri, model, epochs, batchSize, optimizer, mode, averagingFrequency, sharing,
                checkpointEvery, resume, seed, overwrite, augment, fineTuning);
    }

    public TrainRequest withAugment(TrainingAugmentation newAugment) {
        return new TrainRequest(dataUri, outputUri, model, epochs, batchSize, optimizer, mode, averagingFrequency, sharing,
                checkpointEvery, resume, seed, overwrite, newAugment, fineTuning);
    }

    /** The same run fine-tuning {@code newFineTuning}'s base model (null: from fresh weights). */
    public TrainRequest withFineTuning(FineTuning newFineTuning) {
        return new TrainRequest(dataUri, outputUri, model, epochs, batchSize, optimizer, mode, averagingFrequency, sharing,
                checkpointEvery, resume, seed, overwrite, augment, newFineTuning);
    }

    /** A fine-tuning run's base model URI; null for a run from fresh weights. */
    public String baseModelUri() {
        return fineTuning == null ? null : fineTuning.baseModelUri();
    }

    /** A fine-tuning run's last frozen stage (none, stem, conv2, ...); null for a run from fresh weights. */
    public String freezeThrough() {
        return fineTuning == null ? null : fineTuning.freezeThrough();
    }

    public TrainRequest withModel(String newModel) {
        return new TrainRequest(dataUri, outputUri, newModel, epochs, batchSize, optimizer, mode, averagingFrequency, sharing,
                checkpointEvery, resume, seed, overwrite, augment, fineTuning);
    }

    static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
