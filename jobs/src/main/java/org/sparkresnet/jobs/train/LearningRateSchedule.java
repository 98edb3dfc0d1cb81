package org.sparkresnet.jobs.train;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How the learning rate moves per epoch (see {@link WarmupDecaySchedule}).
 *
 * @param warmupEpochs epochs of linear warm-up before the base rate is reached (0 = none)
 * @param stepEpochs   for step decay: epochs between two steps
 * @param stepFactor   for step decay: the factor of each step, in (0, 1]
 */
public record LearningRateSchedule(Decay decay, int warmupEpochs, int stepEpochs, double stepFactor) {
    public enum Decay {
        CONSTANT, COSINE, STEP;

        public static final List<String> NAMES = Arrays.stream(values()).map(d -> d.name().toLowerCase(Locale.ROOT)).toList();

        public static Decay parse(String name) {
            if (name == null || !NAMES.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("--lr-decay must be one of " + NAMES + ", got '" + name + "'");
            }
            return valueOf(name.toUpperCase(Locale.ROOT));
        }
    }

    public static final LearningRateSchedule CONSTANT = new LearningRateSchedule(Decay.CONSTANT, 0, 1, 1.0);

    public LearningRateSchedule {
        TrainRequest.require(decay != null, "--lr-decay must be one of " + Decay.NAMES);
        TrainRequest.require(warmupEpochs >= 0, "--warmup-epochs must be >= 0, got " + warmupEpochs);
        TrainRequest.require(stepEpochs >= 1, "--lr-step-epochs must be at least 1, got " + stepEpochs);
        TrainRequest.require(stepFactor > 0 && stepFactor <= 1, "--lr-step-factor must be in (0, 1], got " + stepFactor);
    }

    public WarmupDecaySchedule forRun(double baseRate, int totalEpochs) {
        return new WarmupDecaySchedule(baseRate, warmupEpochs, decay, totalEpochs, stepEpochs, stepFactor, 0);
    }
}
