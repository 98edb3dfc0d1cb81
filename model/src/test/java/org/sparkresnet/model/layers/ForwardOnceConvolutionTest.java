package org.sparkresnet.model.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
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
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * DL4J's convolution layer runs its forward convolution a second time in backprop; ForwardOnceConvolution does not,
 * and computes the same gradients.
 */
class ForwardOnceConvolutionTest {
    private static final int C = 4, H = 6, W = 5;

    /** conv (3x3, then a strided 3x3) -> pool -> softmax; stock DL4J convolutions or the project's. */
    private static ComputationGraph network(boolean forwardOnce, DataType dataType, Activation convActivation) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(dataType).seed(7).updater(new Sgd(0.1))
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("in")
                .addLayer("conv1", conv(forwardOnce, 2, convActivation, 1), "in")
                .addLayer("conv2", conv(forwardOnce, C, convActivation, 2), "conv1")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(C).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(H, W, 2))
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    private static ConvolutionLayer conv(boolean forwardOnce, int nIn, Activation activation, int stride) {
        ConvolutionLayer conv = new ConvolutionLayer.Builder(3, 3).stride(stride, stride).nIn(nIn).nOut(C)
                .hasBias(false).activation(activation).build();
        return forwardOnce ? ForwardOnceConvolution.of(conv) : conv;
    }

    private static INDArray gradient(ComputationGraph net) {
        DataType type = net.params().dataType();
        Nd4j.getRandom().setSeed(3);
        net.setInputs(Nd4j.rand(type, 3, 2, H, W).subi(0.5));
        net.setLabels(Nd4j.eye(3).castTo(type));
        net.computeGradientAndScore();
        return net.gradient().gradient().dup();
    }

    /** conv2d ops executed by ND4J while computing one gradient (forward and backward) of a float network. */
    private static long forwardConvolutions(ComputationGraph net) {
        return OpCounts.during(() -> gradient(net), "conv2d").get("conv2d");
    }

    @Test
    void stockLayerRunsEachForwardConvolutionTwicePerGradientAndTheProjectLayerOnce() {
        // float, on DL4J's oneDNN helper, which runs every convolution as one conv2d op (the project's own helper
        // calls oneDNN directly, past ND4J's op count)
        System.setProperty(DnnlConvolutionHelper.POLICY_PROPERTY, "never");
        try {
            assertEquals(4, forwardConvolutions(network(false, DataType.FLOAT, Activation.IDENTITY)), "the DL4J replay");
            assertEquals(2, forwardConvolutions(network(true, DataType.FLOAT, Activation.IDENTITY)));
        } finally {
            System.clearProperty(DnnlConvolutionHelper.POLICY_PROPERTY);
        }
    }

    @Test
    void gradientsEqualTheStockLayersInDoubleAndFloat() {
        for (DataType type : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            ComputationGraph stock = network(false, type, Activation.IDENTITY);
            ComputationGraph forwardOnce = network(true, type, Activation.IDENTITY);
            assertEquals(stock.params(), forwardOnce.params());
            INDArray expected = gradient(stock);
            INDArray actual = gradient(forwardOnce);
            assertEquals(stock.score(), forwardOnce.score(), 0.0, type.toString());
            assertEquals(expected, actual, type + " gradients");
        }
    }

    @Test
    void otherActivationsStillGetTheirForwardOutputInBackprop() {
        // ReLU's derivative needs the pre-activation: the layer must replay (or read) it as DL4J does
        ComputationGraph stock = network(false, DataType.DOUBLE, Activation.RELU);
        ComputationGraph forwardOnce = network(true, DataType.DOUBLE, Activation.RELU);
        assertEquals(gradient(stock), gradient(forwardOnce));
        System.setProperty(DnnlConvolutionHelper.POLICY_PROPERTY, "never");
        try {
            assertEquals(4, forwardConvolutions(network(true, DataType.FLOAT, Activation.RELU)));
        } finally {
            System.clearProperty(DnnlConvolutionHelper.POLICY_PROPERTY);
        }
    }

    @Test
    void savedModelRestoresWithTheProjectLayer() throws Exception {
        ComputationGraph net = network(true, DataType.FLOAT, Activation.IDENTITY);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
        assertTrue(restored.getLayer("conv1") instanceof ForwardOnceConvolutionLayer);
        assertTrue(restored.getLayer("conv2").conf().getLayer() instanceof ForwardOnceConvolution);
        assertEquals(net.getConfiguration(), restored.getConfiguration());
        assertEquals(gradient(net), gradient(restored));
    }
}
