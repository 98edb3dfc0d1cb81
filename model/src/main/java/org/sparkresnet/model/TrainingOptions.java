package org.sparkresnet.model;

import java.util.Objects;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Optimisation settings baked into a graph configuration.
 *
 * @param updater     the DL4J updater (Adam, Nesterovs, ...); its learning rate is the base rate
 * @param weightDecay decoupled L2 weight decay coefficient on weights (0 = none)
 * @param seed        seed of the parameter initialisation, so equal requests give equal nets
 */
public record TrainingOptions(IUpdater updater, double weightDecay, long seed) {
    public static final double DEFAULT_LEARNING_RATE = 1e-3;
    public static final long DEFAULT_SEED = 42L;

    public TrainingOptions {
        Objects.requireNonNull(updater, "updater");
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be a finite value >= 0, got " + weightDecay);
        }
    }

    /** Adam(1e-3), no weight decay, seed 42. */
    public static TrainingOptions defaults() {
        return new TrainingOptions(new Adam(DEFAULT_LEARNING_RATE), 0.0, DEFAULT_SEED);
    }

    public TrainingOptions withUpdater(IUpdater newUpdater) {
        return new TrainingOptions(newUpdater, weightDecay, seed);
    }

    public TrainingOptions withWeightDecay(double newWeightDecay) {
        return new TrainingOptions(updater, newWeightDecay, seed);
    }

    public TrainingOptions withSeed(long newSeed) {
        return new TrainingOptions(updater, weightDecay, newSeed);
    }
}
