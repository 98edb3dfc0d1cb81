package org.sparkresnet.jobs.train;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How the learning rate moves per epoch (see {@link WarmupDecaySchedule}).
 *
 * @param warmupEpochs epochs of linear warm-up before the base rate is reached (0 = none)
 * @param stepEpochs   for step decay without milestones: epochs between two steps, counted after the warm-up
 * @param stepFactor   for step decay: the factor of each step, in (0, 1]
 * @param milestones   for step decay: the epochs after which the rate is multiplied by {@code stepFactor}, counted from
 *                     the start of the run (30, 60, 80: epochs 31-60 run at 0.1 x base, as PyTorch's MultiStepLR); empty
 *                     = steps every {@code stepEpochs}
 */
public record LearningRateSchedule(Decay decay, int warmupEpochs, int stepEpochs, double stepFactor, List<Integer> milestones) {
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
        milestones = milestones == null ? List.of() : List.copyOf(milestones);
        for (int i = 0; i < milestones.size(); i++) {
            TrainRequest.require(milestones.get(i) >= 1 && (i == 0 || milestones.get(i) > milestones.get(i - 1)),
                    "--lr-milestones must be increasing epochs >= 1, got " + milestones);
        }
    }

    /** Step decay every {@code stepEpochs} after the warm-up (no milestones). */
    public LearningRateSchedule(Decay decay, int warmupEpochs, int stepEpochs, double stepFactor) {
        this(decay, warmupEpochs, stepEpochs, stepFactor, List.of());
    }

    /** Comma-separated epochs ("30,60,80"); blank = none. */
    public static List<Integer> parseMilestones(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        try {
            return Arrays.stream(text.split(",")).map(String::trim).map(Integer::valueOf).toList();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--lr-milestones must be comma-separated epochs such as 30,60,80, got '" + text + "'");
        }
    }

    public WarmupDecaySchedule forRun(double baseRate, int totalEpochs) {
        return new WarmupDecaySchedule(baseRate, warmupEpochs, decay, totalEpochs, stepEpochs, stepFactor, 0, milestones);
    }
}
