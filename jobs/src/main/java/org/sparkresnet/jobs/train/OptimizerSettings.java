package org.sparkresnet.jobs.train;

import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;

import java.util.List;

/**
 * The optimiser: Adam or SGD with Nesterov momentum, decoupled weight decay, and a per-epoch learning-rate schedule.
 *
 * @param learningRate the base rate (reached after the warm-up); for a global batch k times larger, scale it by k
 *                     (linear scaling rule) and use a few warm-up epochs
 */
public record OptimizerSettings(String updater, double learningRate, double momentum, double weightDecay,
                                LearningRateSchedule schedule) {
    public static final List<String> UPDATERS = List.of("adam", "sgd");

    public OptimizerSettings {
        TrainRequest.require(UPDATERS.contains(updater), "--updater must be one of " + UPDATERS + ", got '" + updater + "'");
        TrainRequest.require(learningRate > 0 && Double.isFinite(learningRate), "--lr must be positive, got " + learningRate);
        TrainRequest.require(momentum >= 0 && momentum < 1, "--momentum must be in [0, 1), got " + momentum);
        TrainRequest.require(weightDecay >= 0 && Double.isFinite(weightDecay), "--weight-decay must be >= 0, got " + weightDecay);
        TrainRequest.require(schedule != null, "a learning-rate schedule is required");
    }

    /** The DL4J updater with the schedule of a run of {@code totalEpochs}, starting after {@code epochsDone}. */
    public IUpdater updater(int totalEpochs, int epochsDone) {
        WarmupDecaySchedule rate = schedule.forRun(learningRate, totalEpochs).resumedAfter(epochsDone);
        return switch (updater) {
            case "adam" -> new Adam(rate);
            case "sgd" -> new Nesterovs(rate, momentum);
            default -> throw new IllegalArgumentException("--updater must be one of " + UPDATERS + ", got '" + updater + "'");
        };
    }

    /** The rate the schedule gives 0-based {@code epoch} of a run of {@code totalEpochs}. */
    public double rateAtEpoch(int epoch, int totalEpochs) {
        return schedule.forRun(learningRate, totalEpochs).rateAtEpoch(epoch);
    }
}
