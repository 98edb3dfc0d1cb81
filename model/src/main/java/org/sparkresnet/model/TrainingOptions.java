package org.sparkresnet.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Optimisation settings baked into a graph configuration.
 *
 * @param updater          the DL4J updater (Adam, Nesterovs, {@link MomentumSgd}, ...); its learning rate is the base rate
 * @param weightDecay      weight decay coefficient on the weights of convolutions and the dense layer (0 = none); never on
 *                         biases or batch-norm parameters (DL4J's BatchNormalization regularises none of its parameters,
 *                         and no bias regularisation is configured)
 * @param seed             seed of the parameter initialisation, so equal requests give equal nets
 * @param weightDecayMode  how {@code weightDecay} is applied (see {@link WeightDecayMode})
 * @param labelSmoothing   label smoothing of the cross-entropy loss in [0, 1) (0 = DL4J's plain MCXENT, see
 *                         {@link LabelSmoothingCrossEntropy})
 * @param zeroInitResidual start the last batch norm of every residual branch with gamma = 0, so every residual block
 *                         starts as the identity (Goyal et al. 2017, torchvision's {@code zero_init_residual}); applies to
 *                         v1 nets only: v2 (pre-activation) branches end in a convolution, not a batch norm, and plain nets
 *                         have no shortcut that would carry the signal past a zeroed branch
 */
public record TrainingOptions(IUpdater updater, double weightDecay, long seed, WeightDecayMode weightDecayMode,
                              double labelSmoothing, boolean zeroInitResidual) {
    public static final double DEFAULT_LEARNING_RATE = 1e-3;
    public static final long DEFAULT_SEED = 42L;

    /** How weight decay reaches the weights. */
    public enum WeightDecayMode {
        /** DL4J's WeightDecay: after the updater, w -= lr x wd x w (decoupled from momentum and Adam's moments). */
        DECOUPLED,
        /**
         * DL4J's L2: wd x w is added to the gradient before the updater, so it goes through momentum: what Goyal et al.
         * and PyTorch's {@code SGD(weight_decay=wd)} do.
         */
        L2;

        public static final List<String> NAMES = Arrays.stream(values()).map(m -> m.name().toLowerCase(Locale.ROOT)).toList();

        public static WeightDecayMode parse(String name) {
            if (name == null || !NAMES.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("--weight-decay-mode must be one of " + NAMES + ", got '" + name + "'");
            }
            return valueOf(name.toUpperCase(Locale.ROOT));
        }

        public String flag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public TrainingOptions {
        Objects.requireNonNull(updater, "updater");
        Objects.requireNonNull(weightDecayMode, "weightDecayMode");
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be a finite value >= 0, got " + weightDecay);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("labelSmoothing must be in [0, 1), got " + labelSmoothing);
        }
    }

    /** Decoupled weight decay, no label smoothing, batch norms initialised to gamma 1: the nets built before these options. */
    public TrainingOptions(IUpdater updater, double weightDecay, long seed) {
        this(updater, weightDecay, seed, WeightDecayMode.DECOUPLED, 0.0, false);
    }

    /** Adam(1e-3), no weight decay, seed 42. */
    public static TrainingOptions defaults() {
        return new TrainingOptions(new Adam(DEFAULT_LEARNING_RATE), 0.0, DEFAULT_SEED);
    }

    public TrainingOptions withUpdater(IUpdater newUpdater) {
        return new TrainingOptions(newUpdater, weightDecay, seed, weightDecayMode, labelSmoothing, zeroInitResidual);
    }

    public TrainingOptions withWeightDecay(double newWeightDecay) {
        return new TrainingOptions(updater, newWeightDecay, seed, weightDecayMode, labelSmoothing, zeroInitResidual);
    }

    public TrainingOptions withWeightDecay(double newWeightDecay, WeightDecayMode mode) {
        return new TrainingOptions(updater, newWeightDecay, seed, mode, labelSmoothing, zeroInitResidual);
    }

    public TrainingOptions withSeed(long newSeed) {
        return new TrainingOptions(updater, weightDecay, newSeed, weightDecayMode, labelSmoothing, zeroInitResidual);
    }

    public TrainingOptions withLabelSmoothing(double newLabelSmoothing) {
        return new TrainingOptions(updater, weightDecay, seed, weightDecayMode, newLabelSmoothing, zeroInitResidual);
    }

    public TrainingOptions withZeroInitResidual(boolean newZeroInitResidual) {
        return new TrainingOptions(updater, weightDecay, seed, weightDecayMode, labelSmoothing, newZeroInitResidual);
    }
}
