package org.sparkresnet.model.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The project's oneDNN convolution helper computes what DL4J's own convolution computes: a float network on the helper
 * against its double twin on DL4J's built-in code (which the helper declines, oneDNN having no double convolution),
 * for the kernel, stride and padding cases ResNets use and a few more. A first convolution in front of the one under
 * test makes the weight gradient of the first depend on the input gradient of the second.
 */
class DnnlConvolutionHelperTest {
    private static final int C = 3, N = 4;

    private static ComputationGraph network(DataType type, int kernel, int stride, int height, int width, ConvolutionMode mode,
                                            int pad, boolean bias) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(type).seed(13).updater(new Sgd(0.1))
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("in")
                .addLayer("first", conv(3, 1, C, ConvolutionMode.Same, 0, false), "in")
                .addLayer("tested", conv(kernel, stride, 5, mode, pad, bias), "first")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "tested")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(height, width, 2))
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    private static ForwardOnceConvolution conv(int kernel, int stride, int nOut, ConvolutionMode mode, int pad, boolean bias) {
        return ForwardOnceConvolution.of(new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride)
                .padding(pad, pad).convolutionMode(mode).nOut(nOut).hasBias(bias).activation(Activation.IDENTITY).build());
    }

    private static INDArray images(DataType type, int height, int width) {
        Nd4j.getRandom().setSeed(7);
        return Nd4j.rand(DataType.DOUBLE, N, 2, height, width).subi(0.5).castTo(type);
    }

    private static INDArray gradient(ComputationGraph net, INDArray images) {
        net.setInputs(images);
        net.setLabels(Nd4j.eye(3).castTo(images.dataType()).getRows(0, 1, 2, 0));
        net.computeGradientAndScore();
        return net.gradient().gradient().castTo(DataType.DOUBLE).dup();
    }

    private static double relativeDifference(INDArray actual, INDArray expected) {
        return actual.sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
    }

    @ParameterizedTest(name = "{0}x{0} stride {1} on {2}x{3}, {4} pad {5}")
    @CsvSource({
            "3, 1, 7, 6, Same, 0",      // ResNet 3x3, odd and even sizes
            "3, 2, 8, 8, Same, 0",      // strided 3x3 on an even size: DL4J pads 0 above, 1 below
            "3, 2, 7, 9, Same, 0",      // strided 3x3 on odd sizes
            "1, 2, 8, 8, Same, 0",      // projection shortcut
            "7, 2, 12, 12, Same, 0",    // ImageNet stem
            "3, 1, 6, 5, Truncate, 1",  // explicit padding
            "3, 2, 8, 8, Truncate, 0"   // DL4J drops the last row and column: left to DL4J's helper
    })
    void floatResultsEqualDl4jsDoubleReference(int kernel, int stride, int height, int width, ConvolutionMode mode, int pad) {
        ComputationGraph dnnl = network(DataType.FLOAT, kernel, stride, height, width, mode, pad, false);
        ComputationGraph reference = network(DataType.DOUBLE, kernel, stride, height, width, mode, pad, false);
        reference.setParams(dnnl.params().castTo(DataType.DOUBLE));
        assertTrue(dnnl.getLayer("tested").getHelper() instanceof DnnlConvolutionHelper);

        INDArray expected = reference.outputSingle(images(DataType.DOUBLE, height, width));
        INDArray actual = dnnl.outputSingle(images(DataType.FLOAT, height, width)).castTo(DataType.DOUBLE);
        assertTrue(relativeDifference(actual, expected) < 1e-5, "outputs differ by " + relativeDifference(actual, expected));
        double difference = relativeDifference(gradient(dnnl, images(DataType.FLOAT, height, width)),
                gradient(reference, images(DataType.DOUBLE, height, width)));
        assertTrue(difference < 1e-4, "gradients differ by " + difference);
    }

    @Test
    void resnetConvolutionsRunNoNd4jConvolutionOps() {
        ComputationGraph net = network(DataType.FLOAT, 3, 2, 8, 8, ConvolutionMode.Same, 0, false);
        Map<String, Long> counts = OpCounts.during(() -> gradient(net, images(DataType.FLOAT, 8, 8)), "conv2d", "conv2d_bp");
        assertEquals(0, counts.get("conv2d"));
        assertEquals(0, counts.get("conv2d_bp"));
    }

    @Test
    void layersWithBiasAndThePolicyNeverKeepDl4jsHelper() {
        ComputationGraph withBias = network(DataType.FLOAT, 3, 1, 6, 6, ConvolutionMode.Same, 0, true);
        assertFalse(withBias.getLayer("tested").getHelper() instanceof DnnlConvolutionHelper);
        System.setProperty(DnnlConvolutionHelper.POLICY_PROPERTY, "never");
        try {
            ComputationGraph never = network(DataType.FLOAT, 3, 1, 6, 6, ConvolutionMode.Same, 0, false);
            assertEquals("MKLDNNConvHelper", never.getLayer("tested").getHelper().getClass().getSimpleName());
        } finally {
            System.clearProperty(DnnlConvolutionHelper.POLICY_PROPERTY);
        }
    }

    @Test
    void secondBatchSizeAndSavedModelComputeTheSame() throws Exception {
        ComputationGraph net = network(DataType.FLOAT, 3, 2, 8, 8, ConvolutionMode.Same, 0, false);
        INDArray four = images(DataType.FLOAT, 8, 8);
        INDArray expected = net.outputSingle(four);
        // a different batch size builds new primitives; going back rebuilds the first ones
        net.outputSingle(four.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2)).dup());
        assertEquals(expected, net.outputSingle(four));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, false);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), false);
        assertTrue(restored.getLayer("tested").getHelper() instanceof DnnlConvolutionHelper);
        assertEquals(expected, restored.outputSingle(four));
    }

    @Test
    void contiguityIgnoresStridesOfSizeOneDimensions() {
        INDArray weights = Nd4j.create(DataType.FLOAT, 16, 2, 3, 3).get(
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1));
        assertFalse(DnnlConvolutionHelper.isContiguous(weights), "a [16,1,3,3] slice of [16,2,3,3] has gaps");
        INDArray single = Nd4j.create(DataType.FLOAT, 16, 1, 3, 3);
        assertTrue(DnnlConvolutionHelper.isContiguous(single));
        assertTrue(DnnlConvolutionHelper.isContiguous(Nd4j.create(DataType.FLOAT, 32, 16).reshape(32, 16, 1, 1)));
    }
}
