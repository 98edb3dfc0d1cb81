package org.sparkresnet.jobs.train;

import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.sparkresnet.model.MomentumSgd;
import org.sparkresnet.model.TrainingOptions;
import org.sparkresnet.model.TrainingOptions.WeightDecayMode;

import java.util.List;
import java.util.Locale;

/**
 * The optimiser and what else of the training recipe is baked into the net: Adam, or SGD with Nesterov or plain
 * (heavy-ball) momentum; weight decay on weights only (never on biases or batch-norm parameters), decoupled or as L2;
 * a per-epoch learning-rate schedule; label smoothing; zero-initialised residual batch norms.
 *
 * @param learningRate     the rate reached after the warm-up; with {@code scaling} linear, the rate of a global batch of
 *                         {@code scaling.referenceBatch()} images (Goyal et al.'s 0.1 per 256), see {@link #baseRate()}
 * @param nesterov         for sgd: Nesterov momentum (DL4J's Nesterovs) or plain heavy-ball momentum ({@link MomentumSgd})
 * @param scaling          how the rate follows the global batch; {@link Scaling#NONE} = {@code learningRate} as given
 */
public record OptimizerSettings(String updater, double learningRate, double momentum, double weightDecay,
                                LearningRateSchedule schedule, boolean nesterov, WeightDecayMode weightDecayMode,
                                double labelSmoothing, boolean zeroInitResidual, Scaling scaling) {
    public static final List<String> UPDATERS = List.of("adam", "sgd");

    /**
     * The linear scaling rule (Goyal et al. 2017): rate = learningRate x globalBatch / referenceBatch, the global batch
     * being the per-worker batch times the training workers, known on the driver once Spark is up.
     *
     * @param rule           none or linear
     * @param referenceBatch the global batch {@code learningRate} is meant for (256 in the paper)
     * @param globalBatch    the run's global batch once resolved ({@link #forGlobalBatch}), 0 before
     */
    public record Scaling(String rule, int referenceBatch, int globalBatch) {
        public static final List<String> RULES = List.of("none", "linear");
        public static final int DEFAULT_REFERENCE_BATCH = 256;
        public static final Scaling NONE = new Scaling("none", DEFAULT_REFERENCE_BATCH, 0);

        public Scaling {
            TrainRequest.require(rule != null && RULES.contains(rule.toLowerCase(Locale.ROOT)),
                    "--lr-scaling must be one of " + RULES + ", got '" + rule + "'");
            rule = rule.toLowerCase(Locale.ROOT);
            TrainRequest.require(referenceBatch >= 1, "--lr-reference-batch must be at least 1, got " + referenceBatch);
            TrainRequest.require(globalBatch >= 0, "the global batch must be >= 0, got " + globalBatch);
        }

        public static Scaling linear(int referenceBatch) {
            return new Scaling("linear", referenceBatch, 0);
        }

        public boolean linear() {
            return rule.equals("linear");
        }
    }

    public OptimizerSettings {
        TrainRequest.require(UPDATERS.contains(updater), "--updater must be one of " + UPDATERS + ", got '" + updater + "'");
        TrainRequest.require(learningRate > 0 && Double.isFinite(learningRate), "--lr must be positive, got " + learningRate);
        TrainRequest.require(momentum >= 0 && momentum < 1, "--momentum must be in [0, 1), got " + momentum);
        TrainRequest.require(weightDecay >= 0 && Double.isFinite(weightDecay), "--weight-decay must be >= 0, got " + weightDecay);
        TrainRequest.require(schedule != null, "a learning-rate schedule is required");
        TrainRequest.require(weightDecayMode != null, "--weight-decay-mode must be one of " + WeightDecayMode.NAMES);
        TrainRequest.require(labelSmoothing >= 0 && labelSmoothing < 1, "--label-smoothing must be in [0, 1), got " + labelSmoothing);
        TrainRequest.require(scaling != null, "a learning-rate scaling rule is required");
    }

    /** Nesterov momentum for sgd, decoupled weight decay, no smoothing, no zero-init, no scaling: the settings before the recipe. */
    public OptimizerSettings(String updater, double learningRate, double momentum, double weightDecay, LearningRateSchedule schedule) {
        this(updater, learningRate, momentum, weightDecay, schedule, true, WeightDecayMode.DECOUPLED, 0.0, false, Scaling.NONE);
    }

    /**
     * The rate reached after the warm-up: {@code learningRate}, or with linear scaling learningRate x globalBatch /
     * referenceBatch.
     *
     * @throws IllegalStateException when linear scaling has not been given the global batch yet
     */
    public double baseRate() {
        if (!scaling.linear()) {
            return learningRate;
        }
        if (scaling.globalBatch() == 0) {
            throw new IllegalStateException("--lr-scaling linear needs the global batch (--batch x workers): resolve the settings"
                    + " with forGlobalBatch once the workers are known");
        }
        return learningRate * scaling.globalBatch() / scaling.referenceBatch();
    }

    /** These settings for a run whose global batch (per-worker batch x training workers) is {@code globalBatch}. */
    public OptimizerSettings forGlobalBatch(int globalBatch) {
        TrainRequest.require(globalBatch >= 1, "the global batch must be at least 1, got " + globalBatch);
        return new OptimizerSettings(updater, learningRate, momentum, weightDecay, schedule, nesterov, weightDecayMode, labelSmoothing,
                zeroInitResidual, new Scaling(scaling.rule(), scaling.referenceBatch(), globalBatch));
    }

    /** The DL4J updater with the schedule of a run of {@code totalEpochs}, starting after {@code epochsDone}. */
    public IUpdater updater(int totalEpochs, int epochsDone) {
        WarmupDecaySchedule rate = schedule.forRun(baseRate(), totalEpochs).resumedAfter(epochsDone);
        return switch (updater) {
            case "adam" -> new Adam(rate);
            case "sgd" -> nesterov ? new Nesterovs(rate, momentum) : new MomentumSgd(rate, momentum);
            default -> throw new IllegalArgumentException("--updater must be one of " + UPDATERS + ", got '" + updater + "'");
        };
    }

    /** What the model builder needs of these settings: the updater, the weight decay, label smoothing and zero-init. */
    public TrainingOptions trainingOptions(int totalEpochs, int epochsDone, long seed) {
        return new TrainingOptions(updater(totalEpochs, epochsDone), weightDecay, seed, weightDecayMode, labelSmoothing, zeroInitResidual);
    }

    /** The rate the schedule gives 0-based {@code epoch} of a run of {@code totalEpochs}. */
    public double rateAtEpoch(int epoch, int totalEpochs) {
        return schedule.forRun(baseRate(), totalEpochs).rateAtEpoch(epoch);
    }
}
