package org.sparkresnet.jobs.train;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * The learning rate per epoch: a linear warm-up over the first {@code warmupEpochs} epochs (epoch e < w runs at
 * base x (e+1)/(w+1), so the base rate is reached in epoch w) (Goyal et al. 2017, for large global batches), then constant, cosine (towards 0 after the
 * last epoch) or step decay (times {@code stepFactor} every {@code stepEpochs} epochs after the warm-up, or, with
 * {@code milestones}, after each milestone epoch counted from the start of the run: Goyal et al.'s 30, 60, 80).
 *
 * <p>DL4J calls {@link #valueAt} with the network's own epoch counter, which restarts at 0 in every run; a resumed
 * run passes the epochs already done as {@code epochOffset} so the rate continues where the checkpoint left it. The
 * class is written into saved model zips (its name and fields), so it must stay here and keep its JSON properties;
 * zips written before {@code milestones} existed load with none.
 */
public final class WarmupDecaySchedule implements ISchedule {
    private static final long serialVersionUID = 1L;

    private final double baseRate;
    private final int warmupEpochs;
    private final LearningRateSchedule.Decay decay;
    private final int totalEpochs;
    private final int stepEpochs;
    private final double stepFactor;
    private final int epochOffset;
    private final List<Integer> milestones;

    public WarmupDecaySchedule(double baseRate, int warmupEpochs, LearningRateSchedule.Decay decay, int totalEpochs,
                               int stepEpochs, double stepFactor, int epochOffset) {
        this(baseRate, warmupEpochs, decay, totalEpochs, stepEpochs, stepFactor, epochOffset, List.of());
    }

    @JsonCreator
    public WarmupDecaySchedule(@JsonProperty("baseRate") double baseRate, @JsonProperty("warmupEpochs") int warmupEpochs,
                               @JsonProperty("decay") LearningRateSchedule.Decay decay, @JsonProperty("totalEpochs") int totalEpochs,
                               @JsonProperty("stepEpochs") int stepEpochs, @JsonProperty("stepFactor") double stepFactor,
                               @JsonProperty("epochOffset") int epochOffset, @JsonProperty("milestones") List<Integer> milestones) {
        this.milestones = milestones == null ? List.of() : List.copyOf(milestones);
        this.baseRate = baseRate;
        this.warmupEpochs = warmupEpochs;
        this.decay = decay;
        this.totalEpochs = totalEpochs;
        this.stepEpochs = stepEpochs;
        this.stepFactor = stepFactor;
        this.epochOffset = epochOffset;
    }

    /** The rate of 0-based {@code epoch} of the whole run (resumed epochs included). */
    public double rateAtEpoch(int epoch) {
        if (epoch < warmupEpochs) {
            return baseRate * (epoch + 1) / (warmupEpochs + 1);
        }
        int sinceWarmup = epoch - warmupEpochs;
        return switch (decay) {
            case CONSTANT -> baseRate;
            case STEP -> milestones.isEmpty()
                    ? baseRate * Math.pow(stepFactor, sinceWarmup / stepEpochs)
                    : baseRate * Math.pow(stepFactor, milestones.stream().filter(m -> epoch >= m).count());
            case COSINE -> {
                // half a cosine from the base rate towards 0 just after the last epoch, so no epoch runs at 0
                int decayEpochs = Math.max(1, totalEpochs - warmupEpochs);
                yield baseRate * 0.5 * (1 + Math.cos(Math.PI * Math.min(sinceWarmup, decayEpochs) / decayEpochs));
            }
        };
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        return rateAtEpoch(epochOffset + epoch);
    }

    /** The same schedule for a run that starts after {@code epochsDone} epochs. */
    public WarmupDecaySchedule resumedAfter(int epochsDone) {
        return new WarmupDecaySchedule(baseRate, warmupEpochs, decay, totalEpochs, stepEpochs, stepFactor, epochsDone, milestones);
    }

    @Override
    public ISchedule clone() {
        return new WarmupDecaySchedule(baseRate, warmupEpochs, decay, totalEpochs, stepEpochs, stepFactor, epochOffset, milestones);
    }

    @JsonProperty public double getBaseRate() { return baseRate; }
    @JsonProperty public int getWarmupEpochs() { return warmupEpochs; }
    @JsonProperty public LearningRateSchedule.Decay getDecay() { return decay; }
    @JsonProperty public int getTotalEpochs() { return totalEpochs; }
    @JsonProperty public int getStepEpochs() { return stepEpochs; }
    @JsonProperty public double getStepFactor() { return stepFactor; }
    @JsonProperty public int getEpochOffset() { return epochOffset; }
    @JsonProperty public List<Integer> getMilestones() { return milestones; }

    @Override
    public boolean equals(Object o) {
        return o instanceof WarmupDecaySchedule s && s.baseRate == baseRate && s.warmupEpochs == warmupEpochs && s.decay == decay
                && s.totalEpochs == totalEpochs && s.stepEpochs == stepEpochs && s.stepFactor == stepFactor && s.epochOffset == epochOffset
                && s.milestones.equals(milestones);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(baseRate, warmupEpochs, decay, totalEpochs, stepEpochs, stepFactor, epochOffset, milestones);
    }

    @Override
    public String toString() {
        return "WarmupDecaySchedule[base " + baseRate + ", warm-up " + warmupEpochs + " epochs, " + decay.name().toLowerCase()
                + (decay == LearningRateSchedule.Decay.STEP && !milestones.isEmpty() ? " at " + milestones : "")
                + " decay over " + totalEpochs + " epochs, offset " + epochOffset + "]";
    }
}
