package org.sparkresnet.jobs.train;

import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sharing threshold sends the fraction of elements asked for, through DL4J's own encoder, whatever the scale
 * of the updates, and is not thrown off by the few huge batch-norm statistics in the same vector.
 */
class QuantileThresholdTest {
    private static final int N = 273_754; // ResNet-20's parameter count on 1x28x28

    /** Adam-like updates: magnitudes spread over [0, scale], random signs. */
    private static INDArray updates(double scale, long seed) {
        Random random = new Random(seed);
        float[] values = new float[N];
        for (int i = 0; i < N; i++) {
            values[i] = (float) (scale * random.nextDouble() * (random.nextBoolean() ? 1 : -1));
        }
        return Nd4j.createFromArray(values).reshape(1, N);
    }

    /**
     * The share of elements that DL4J's encoder sends as a whole +-threshold step: those it takes a full threshold off
     * (its bitmap form also sends negative elements between threshold/2 and threshold as -threshold/2, not counted).
     */
    private static double fractionEncoded(INDArray updates, double threshold) {
        INDArray residual = updates.dup();
        Nd4j.getExecutioner().bitmapEncode(residual, Nd4j.create(DataType.INT32, N / 16 + 5), threshold);
        INDArray change = Transforms.abs(updates.sub(residual), true);
        return change.gte(0.75 * threshold).castTo(DataType.INT32).sumNumber().doubleValue() / N;
    }

    @Test
    void sendsTheFractionAskedForAtAnyScale() {
        for (double fraction : new double[]{0.1, 1.0 / 3, 0.5}) {
            for (double scale : new double[]{1e-5, 2e-3, 0.5}) {
                INDArray u = updates(scale, 7);
                double threshold = new QuantileThreshold(fraction).calculateThreshold(0, 0, null, null, null, u);
                assertEquals(fraction, fractionEncoded(u, threshold), 0.02, "fraction " + fraction + " at scale " + scale);
                assertEquals((1 - fraction) * scale, threshold, 0.03 * scale, "the quantile of a uniform spread");
            }
        }
    }

    @Test
    void aFewHugeElementsDoNotRaiseTheThreshold() {
        INDArray u = updates(2e-3, 11);
        double clean = new QuantileThreshold(1.0 / 3).calculateThreshold(0, 0, null, null, null, u);
        for (int i = 0; i < N; i += 100) { // 1% of the elements, like BN running statistics, 1000x the weights' updates
            u.putScalar(0, i, 2.0);
        }
        double withOutliers = new QuantileThreshold(1.0 / 3).calculateThreshold(0, 0, null, null, null, u);
        assertEquals(clean, withOutliers, 0.03 * clean);
        assertTrue(fractionEncoded(u, withOutliers) > 0.3);
    }

    /** What the quantile replaces: DL4J's adaptive algorithm pushes the threshold up until at most 1% of the elements go. */
    @Test
    void dl4jsAdaptiveAlgorithmSendsAtMostOnePercent() {
        INDArray u = updates(2e-3, 13);
        AdaptiveThresholdAlgorithm adaptive = new AdaptiveThresholdAlgorithm(1e-4);
        double threshold = adaptive.calculateThreshold(0, 0, null, null, null, u);
        for (int iteration = 1; iteration < 400; iteration++) {
            double fraction = fractionEncoded(u, threshold);
            boolean dense = fraction >= 1.0 / 16;
            threshold = adaptive.calculateThreshold(iteration, 0, threshold, dense, dense ? null : fraction, u);
        }
        assertTrue(fractionEncoded(u, threshold) <= 0.0101, "adaptive settles at <= 1% sent");
        double quantile = new QuantileThreshold(1.0 / 3).calculateThreshold(0, 0, null, null, null, u);
        assertTrue(threshold > 1.4 * quantile, "adaptive " + threshold + " vs quantile " + quantile);
    }

    @Test
    void nothingToSendGivesATinyPositiveThresholdThatEncodesNothing() {
        INDArray zeros = Nd4j.zeros(DataType.FLOAT, 1, N);
        double threshold = new QuantileThreshold(1.0 / 3).calculateThreshold(0, 0, null, null, null, zeros);
        assertEquals(QuantileThreshold.FLOOR, threshold);
        assertEquals(0.0, fractionEncoded(zeros, threshold));
    }

    @Test
    void travelsToExecutorsAndReducesToTheSameFraction() throws Exception {
        QuantileThreshold original = new QuantileThreshold(0.25);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(original);
        }
        QuantileThreshold copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (QuantileThreshold) in.readObject();
        }
        assertEquals(0.25, copy.fraction());
        var reducer = original.newReducer();
        reducer.add(copy.clone());
        assertEquals(0.25, ((QuantileThreshold) reducer.merge(original.newReducer()).getFinalResult()).fraction());
    }

    @Test
    void refusesFractionsOutsideZeroToOne() {
        assertThrows(IllegalArgumentException.class, () -> new QuantileThreshold(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new QuantileThreshold(1.5));
        assertTrue(e.getMessage().contains("1.5") && e.getMessage().contains("(0, 1)"), e.getMessage());
    }
}
