package org.sparkresnet.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** The label-smoothed cross-entropy: its value and gradient against the formula and finite differences, and its JSON. */
class LabelSmoothingCrossEntropyTest {
    private static final double E = 0.1;
    private static final int K = 5;

    private static INDArray preOutput() {
        return Nd4j.createFromArray(new double[][] {{1.0, -0.5, 2.0, 0.3, -1.2}, {0.0, 0.1, -0.2, 3.0, 0.5}, {-2.0, 1.0, 0.0, 0.5, 0.25}});
    }

    private static INDArray labels() {
        return Nd4j.createFromArray(new double[][] {{0, 0, 1, 0, 0}, {1, 0, 0, 0, 0}, {0, 0, 0, 0, 1}});
    }

    /** By hand: mean over examples of -sum_k [(1 - e) y_k + e/K] log softmax(z)_k. */
    private static double expectedScore(INDArray z, INDArray y) {
        double total = 0;
        for (int i = 0; i < z.rows(); i++) {
            double max = z.getRow(i).maxNumber().doubleValue();
            double sum = 0;
            for (int k = 0; k < K; k++) {
                sum += Math.exp(z.getDouble(i, k) - max);
            }
            for (int k = 0; k < K; k++) {
                double logP = z.getDouble(i, k) - max - Math.log(sum);
                double target = (1 - E) * y.getDouble(i, k) + E / K;
                total -= target * logP;
            }
        }
        return total / z.rows();
    }

    @Test
    void scoreIsCrossEntropyAgainstSmoothedTargets() {
        LabelSmoothingCrossEntropy loss = new LabelSmoothingCrossEntropy(E);
        double score = loss.computeScore(labels(), preOutput(), new ActivationSoftmax(), null, true);
        assertEquals(expectedScore(preOutput(), labels()), score, 1e-9);
        assertEquals(3 * expectedScore(preOutput(), labels()),
                loss.computeScore(labels(), preOutput(), new ActivationSoftmax(), null, false), 1e-9);
        INDArray perExample = loss.computeScoreArray(labels(), preOutput(), new ActivationSoftmax(), null);
        assertEquals(3 * expectedScore(preOutput(), labels()), perExample.sumNumber().doubleValue(), 1e-9);
    }

    @Test
    void zeroSmoothingIsDl4jsCrossEntropy() {
        LabelSmoothingCrossEntropy none = new LabelSmoothingCrossEntropy(0);
        LossMCXENT dl4j = new LossMCXENT();
        assertEquals(dl4j.computeScore(labels(), preOutput(), new ActivationSoftmax(), null, true),
                none.computeScore(labels(), preOutput(), new ActivationSoftmax(), null, true), 1e-12);
        assertEquals(dl4j.computeGradient(labels(), preOutput(), new ActivationSoftmax(), null),
                none.computeGradient(labels(), preOutput(), new ActivationSoftmax(), null));
    }

    /** d loss / d z = softmax(z) - [(1 - e) y + e/K] per example (DL4J's gradient is that of the summed score). */
    @Test
    void gradientIsSoftmaxMinusSmoothedTargetsAndMatchesFiniteDifferences() {
        LabelSmoothingCrossEntropy loss = new LabelSmoothingCrossEntropy(E);
        INDArray z = preOutput();
        INDArray y = labels();
        INDArray gradient = loss.computeGradient(y, z.dup(), new ActivationSoftmax(), null);
        INDArray formula = Transforms.softmax(z.dup()).sub(y.mul(1 - E).add(E / K));
        assertTrue(formula.equalsWithEps(gradient, 1e-12), gradient + " vs " + formula);

        double h = 1e-6;
        for (int i = 0; i < z.rows(); i++) {
            for (int k = 0; k < K; k++) {
                INDArray plus = z.dup();
                plus.putScalar(i, k, z.getDouble(i, k) + h);
                INDArray minus = z.dup();
                minus.putScalar(i, k, z.getDouble(i, k) - h);
                double numeric = (loss.computeScore(y, plus, new ActivationSoftmax(), null, false)
                        - loss.computeScore(y, minus, new ActivationSoftmax(), null, false)) / (2 * h);
                assertEquals(numeric, gradient.getDouble(i, k), 1e-6, "d/dz[" + i + "," + k + "]");
            }
        }
        var both = loss.computeGradientAndScore(y, z.dup(), new ActivationSoftmax(), null, true);
        assertEquals(expectedScore(z, y), both.getFirst(), 1e-9);
        assertTrue(formula.equalsWithEps(both.getSecond(), 1e-12));
    }

    @Test
    void labelsOutsideTheLossStayOneHot() {
        INDArray y = labels();
        INDArray copy = y.dup();
        new LabelSmoothingCrossEntropy(E).computeGradient(y, preOutput(), new ActivationSoftmax(), null);
        assertEquals(copy, y, "the caller's labels (and so evaluation) are not smoothed in place");
        INDArray smoothed = new LabelSmoothingCrossEntropy(E).smoothed(y);
        assertEquals(0.92, smoothed.getDouble(0, 2), 1e-12);
        assertEquals(0.02, smoothed.getDouble(0, 0), 1e-12);
    }

    @Test
    void jsonRoundTripKeepsTheSmoothingAsDl4jWritesLossFunctions() throws Exception {
        ObjectMapper mapper = org.deeplearning4j.nn.conf.NeuralNetConfiguration.mapper();
        String json = mapper.writeValueAsString(new LabelSmoothingCrossEntropy(0.15));
        assertTrue(json.contains("LabelSmoothingCrossEntropy") && json.contains("0.15"), json);
        assertEquals(new LabelSmoothingCrossEntropy(0.15), mapper.readValue(json, ILossFunction.class));

        ComputationGraphConfiguration conf = ResNets.configuration(new ModelRequest("resnet20", new InputShape(1, 28, 28), 10,
                TrainingOptions.defaults().withLabelSmoothing(0.1)));
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        OutputLayer head = (OutputLayer) ((LayerVertex) back.getVertices().get(ResNets.OUTPUT)).getLayerConf().getLayer();
        assertEquals(new LabelSmoothingCrossEntropy(0.1), head.getLossFn());
        OutputLayer plainHead = (OutputLayer) ((LayerVertex) ResNets.configuration(ModelRequest.of("resnet20", new InputShape(1, 28, 28), 10))
                .getVertices().get(ResNets.OUTPUT)).getLayerConf().getLayer();
        assertTrue(plainHead.getLossFn() instanceof LossMCXENT, "without smoothing the head keeps DL4J's MCXENT");
    }

    @Test
    void refusesSmoothingOutsideZeroToOne() {
        assertEquals("label smoothing must be in [0, 1), got 1.0",
                assertThrows(IllegalArgumentException.class, () -> new LabelSmoothingCrossEntropy(1.0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LabelSmoothingCrossEntropy(-0.1));
        assertThrows(IllegalArgumentException.class, () -> TrainingOptions.defaults().withLabelSmoothing(Double.NaN));
    }
}
