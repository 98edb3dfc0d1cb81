package org.sparkresnet.model;

import java.util.Objects;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Multi-class cross-entropy against label-smoothed targets (Szegedy et al. 2016): with smoothing e and K classes the
 * target of every example is (1 - e) x one-hot + e / K, so the loss is -sum_k [(1 - e) y_k + e/K] log p_k and, after a
 * softmax, its gradient with respect to the pre-softmax activations is p - [(1 - e) y + e/K]. DL4J 1.0.0-M2.1's
 * {@link LossMCXENT} has no smoothing option; this class smooths the labels and hands them to it (same clipping of the
 * softmax output, same masking). Labels are only smoothed inside the loss: evaluation still sees the one-hot labels.
 *
 * <p>Saved models name this class and its {@code smoothing} in their JSON (DL4J writes loss functions with their class
 * name, like its own), so it must stay here and keep the property.
 */
public final class LabelSmoothingCrossEntropy implements ILossFunction {
    private static final long serialVersionUID = 1L;
    /** DL4J's cross-entropy with its defaults; stateless, so one instance serves every call. */
    private static final LossMCXENT CROSS_ENTROPY = new LossMCXENT();

    private final double smoothing;

    @JsonCreator
    public LabelSmoothingCrossEntropy(@JsonProperty("smoothing") double smoothing) {
        if (!(smoothing >= 0 && smoothing < 1)) {
            throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + smoothing);
        }
        this.smoothing = smoothing;
    }

    @JsonProperty("smoothing")
    public double getSmoothing() {
        return smoothing;
    }

    /** (1 - e) x labels + e / K, K being the size of dimension 1 (the classes). */
    public INDArray smoothed(INDArray labels) {
        long classes = labels.size(1);
        return labels.mul(1 - smoothing).addi(smoothing / classes);
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask, boolean average) {
        return CROSS_ENTROPY.computeScore(smoothed(labels), preOutput, activationFn, mask, average);
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return CROSS_ENTROPY.computeScoreArray(smoothed(labels), preOutput, activationFn, mask);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return CROSS_ENTROPY.computeGradient(smoothed(labels), preOutput, activationFn, mask);
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                          INDArray mask, boolean average) {
        return CROSS_ENTROPY.computeGradientAndScore(smoothed(labels), preOutput, activationFn, mask, average);
    }

    @Override
    public String name() {
        return toString();
    }

    @Override
    public String toString() {
        return "LabelSmoothingCrossEntropy(smoothing=" + smoothing + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelSmoothingCrossEntropy other && Double.compare(other.smoothing, smoothing) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(LabelSmoothingCrossEntropy.class, smoothing);
    }
}
