package org.sparkresnet.model.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** ReluActivation computes DL4J's ReLU layer's outputs and gradients without libnd4j's relu_bp op. */
class ReluActivationTest {
    private static final int C = 4, H = 6, W = 5;

    /** conv -> relu -> conv -> relu -> pool -> softmax, with DL4J's ReLU layers or the project's. */
    private static ComputationGraph network(boolean project, DataType dataType) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(dataType).seed(11).updater(new Sgd(0.1))
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("in")
                .addLayer("conv1", conv(2), "in")
                .addLayer("relu1", relu(project), "conv1")
                .addLayer("conv2", conv(C), "relu1")
                .addLayer("relu2", relu(project), "conv2")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "relu2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(C).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(H, W, 2))
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    private static ConvolutionLayer conv(int nIn) {
        return new ConvolutionLayer.Builder(3, 3).nIn(nIn).nOut(C).hasBias(false).activation(Activation.IDENTITY).build();
    }

    private static ActivationLayer relu(boolean project) {
        ActivationLayer relu = new ActivationLayer.Builder().activation(Activation.RELU).build();
        return project ? ReluActivation.of(relu) : relu;
    }

    private static INDArray input(DataType type) {
        Nd4j.getRandom().setSeed(5);
        return Nd4j.rand(type, 3, 2, H, W).subi(0.5);
    }

    private static INDArray gradient(ComputationGraph net) {
        DataType type = net.params().dataType();
        net.setInputs(input(type));
        net.setLabels(Nd4j.eye(3).castTo(type));
        net.computeGradientAndScore();
        return net.gradient().gradient().dup();
    }

    @Test
    void outputsAndGradientsEqualDl4jsReluLayerInDoubleAndFloat() {
        for (DataType type : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            ComputationGraph stock = network(false, type);
            ComputationGraph project = network(true, type);
            assertEquals(stock.params(), project.params());
            assertEquals(stock.outputSingle(input(type)), project.outputSingle(input(type)), type + " inference");
            INDArray expected = gradient(stock);
            INDArray actual = gradient(project);
            assertEquals(stock.score(), project.score(), 0.0, type.toString());
            assertTrue(expected.sub(actual).amaxNumber().doubleValue() == 0.0, type + " gradients differ");
            // the ReLUs must have cut something, or this would not test the mask
            assertTrue(project.feedForward(input(type), true).get("relu1").minNumber().doubleValue() == 0.0);
        }
    }

    @Test
    void backpropRunsNoReluBpOp() {
        assertTrue(reluBpOps(network(false, DataType.FLOAT)) > 0, "DL4J's layer runs relu_bp");
        assertEquals(0, reluBpOps(network(true, DataType.FLOAT)));
    }

    private static long reluBpOps(ComputationGraph net) {
        return OpCounts.during(() -> gradient(net), "relu_bp").get("relu_bp");
    }

    @Test
    void savedModelRestoresWithTheProjectLayer() throws Exception {
        ComputationGraph net = network(true, DataType.FLOAT);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
        assertTrue(restored.getLayer("relu1") instanceof ReluActivationLayer);
        assertEquals(net.getConfiguration(), restored.getConfiguration());
        assertEquals(gradient(net), gradient(restored));
    }

    @Test
    void onlyPlainReluIsAccepted() {
        ActivationLayer capped = new ActivationLayer.Builder().activation(new ActivationReLU(6.0, 0.0, 0.0)).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReluActivation.of(capped));
        assertTrue(e.getMessage().contains("plain ReLU"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ReluActivation.of(new ActivationLayer.Builder().activation(Activation.TANH).build()));
    }
}
