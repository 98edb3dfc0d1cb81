package org.sparkresnet.model.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
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

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rowwise helper computes what DL4J's own batch-norm code computes: the same network, in double precision, with
 * DL4J's BatchNormalization (whose oneDNN helper declines doubles, so DL4J's built-in code runs) and with
 * RowwiseBatchNormalization, gives the same outputs, loss, gradients (conv, gamma, beta) and running-statistic updates.
 */
class RowwiseBatchNormHelperTest {
    @org.junit.jupiter.api.BeforeAll
    static void useTheRowwiseHelperWhateverTheThreads() {
        System.setProperty(RowwiseBatchNormalization.POLICY_PROPERTY, "always");
    }

    @org.junit.jupiter.api.AfterAll
    static void restorePolicy() {
        System.clearProperty(RowwiseBatchNormalization.POLICY_PROPERTY);
    }

    private static final int N = 3, C = 4, H = 5, W = 6;

    private static ComputationGraph network(boolean rowwise, DataType dataType) {
        BatchNormalization bn = new BatchNormalization.Builder().nOut(C).useLogStd(false).decay(0.8).build();
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(dataType).seed(5).updater(new Sgd(0.1))
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nIn(2).nOut(C).hasBias(false)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn", rowwise ? RowwiseBatchNormalization.of(bn) : bn, "conv")
                .addLayer("relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "relu")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(C).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(H, W, 2))
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        // gamma, beta and running statistics away from their initial 1/0 so that every term is exercised
        Nd4j.getRandom().setSeed(11);
        net.getLayer("bn").setParam("gamma", Nd4j.rand(dataType, 1, C).addi(0.5));
        net.getLayer("bn").setParam("beta", Nd4j.rand(dataType, 1, C).subi(0.5));
        net.getLayer("bn").setParam("mean", Nd4j.rand(dataType, 1, C));
        net.getLayer("bn").setParam("var", Nd4j.rand(dataType, 1, C).addi(0.5));
        return net;
    }

    private static INDArray images(DataType dataType) {
        Nd4j.getRandom().setSeed(3);
        return Nd4j.rand(dataType, N, 2, H, W).muli(3).subi(1); // a channel mean far from 0
    }

    private static INDArray labels(DataType dataType) {
        return Nd4j.eye(3).castTo(dataType);
    }

    private static INDArray gradient(ComputationGraph net) {
        net.setInputs(images(net.params().dataType()));
        net.setLabels(labels(net.params().dataType()));
        net.computeGradientAndScore();
        return net.gradient().gradient().dup();
    }

    private static double relativeDifference(INDArray actual, INDArray expected) {
        return actual.sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
    }

    @Test
    void onlyTheRowwiseLayerUsesTheRowwiseHelper() {
        assertTrue(network(true, DataType.DOUBLE).getLayer("bn").getHelper() instanceof RowwiseBatchNormHelper);
        assertTrue(network(true, DataType.FLOAT).getLayer("bn").getHelper() instanceof RowwiseBatchNormHelper);
        assertTrue(!(network(false, DataType.FLOAT).getLayer("bn").getHelper() instanceof RowwiseBatchNormHelper));
    }

    @Test
    void trainingStepMatchesDl4jsOwnBatchNormInDoublePrecision() {
        ComputationGraph reference = network(false, DataType.DOUBLE);
        ComputationGraph rowwise = network(true, DataType.DOUBLE);
        assertEquals(reference.params(), rowwise.params());

        INDArray expected = gradient(reference);
        INDArray actual = gradient(rowwise);
        assertEquals(reference.score(), rowwise.score(), 1e-12);
        // gamma, beta and the running-statistic updates
        double bn = relativeDifference(rowwise.getLayer("bn").getGradientsViewArray(), reference.getLayer("bn").getGradientsViewArray());
        assertTrue(bn < 1e-10, "batch-norm gradients differ by " + bn);
        assertTrue(relativeDifference(actual, expected) < 1e-10, "whole gradient differs by " + relativeDifference(actual, expected));

        // three SGD steps: the running mean and variance move the same way too
        for (int i = 0; i < 3; i++) {
            reference.fit(new INDArray[]{images(DataType.DOUBLE)}, new INDArray[]{labels(DataType.DOUBLE)});
            rowwise.fit(new INDArray[]{images(DataType.DOUBLE)}, new INDArray[]{labels(DataType.DOUBLE)});
        }
        assertTrue(relativeDifference(rowwise.params(), reference.params()) < 1e-10);
        assertTrue(relativeDifference(rowwise.getLayer("bn").getParam("var"), reference.getLayer("bn").getParam("var")) < 1e-10);
    }

    @Test
    void inferenceUsesTheRunningStatisticsLikeDl4j() {
        ComputationGraph reference = network(false, DataType.DOUBLE);
        ComputationGraph rowwise = network(true, DataType.DOUBLE);
        INDArray expected = reference.outputSingle(false, images(DataType.DOUBLE));
        INDArray actual = rowwise.outputSingle(false, images(DataType.DOUBLE));
        assertTrue(relativeDifference(actual, expected) < 1e-12);
        INDArray trainingMode = rowwise.outputSingle(true, images(DataType.DOUBLE));
        assertTrue(relativeDifference(trainingMode, expected) > 1e-3, "training mode normalises with the batch statistics");
    }

    @Test
    void floatNetworkAgreesWithTheDoubleReference() {
        ComputationGraph reference = network(false, DataType.DOUBLE);
        ComputationGraph rowwise = network(true, DataType.FLOAT);
        rowwise.setParams(reference.params().castTo(DataType.FLOAT));
        INDArray expected = gradient(reference);
        INDArray actual = gradient(rowwise).castTo(DataType.DOUBLE);
        assertTrue(relativeDifference(actual, expected) < 1e-4, "float vs double: " + relativeDifference(actual, expected));
    }

    @Test
    void savedModelRestoresWithTheRowwiseLayer() throws Exception {
        ComputationGraph net = network(true, DataType.FLOAT);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
        assertTrue(restored.getLayer("bn").getHelper() instanceof RowwiseBatchNormHelper);
        assertTrue(restored.getLayer("bn").conf().getLayer() instanceof RowwiseBatchNormalization);
        assertEquals(net.outputSingle(false, images(DataType.FLOAT)), restored.outputSingle(false, images(DataType.FLOAT)));
        assertEquals(net.getConfiguration(), restored.getConfiguration());
    }

    @Test
    void policyKeepsDl4jsHelperOnlyWhenToldTo() {
        System.setProperty(RowwiseBatchNormalization.POLICY_PROPERTY, "never");
        try {
            assertTrue(!(network(true, DataType.FLOAT).getLayer("bn").getHelper() instanceof RowwiseBatchNormHelper));
            System.clearProperty(RowwiseBatchNormalization.POLICY_PROPERTY);
            assertTrue(network(true, DataType.FLOAT).getLayer("bn").getHelper() instanceof RowwiseBatchNormHelper);
            System.setProperty(RowwiseBatchNormalization.POLICY_PROPERTY, "sometimes");
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> network(true, DataType.FLOAT));
            assertTrue(e.getMessage().contains("sometimes"), e.getMessage());
        } finally {
            System.setProperty(RowwiseBatchNormalization.POLICY_PROPERTY, "always");
        }
    }

    @Test
    void viewsAndPermutedArraysGiveTheSameResultsAsTheirCopies() {
        // the helper reads native memory directly: an activation that is a view into a larger array (an offset) or
        // not laid out in C order must be read where its values are
        Nd4j.getRandom().setSeed(17);
        INDArray larger = Nd4j.rand(DataType.DOUBLE, N + 2, C, H, W);
        INDArray view = larger.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, N + 1));
        INDArray permuted = Nd4j.rand(DataType.DOUBLE, N, H, W, C).permute(0, 3, 1, 2);
        for (INDArray x : new INDArray[]{view, permuted}) {
            INDArray dy = x.mul(0.5).addi(0.25);
            assertEquals(normalised(x.dup('c'), dy.dup('c')), normalised(x, dy));
        }
    }

    @Test
    void channelsSplitAcrossThreadsGiveExactlyTheOneThreadResult() {
        // ND4J's thread count decides whether the helper splits channels over threads (local[N] workers run with 1)
        Nd4j.getRandom().setSeed(19);
        INDArray x = Nd4j.rand(DataType.FLOAT, N, C, H, W);
        INDArray dy = Nd4j.rand(DataType.FLOAT, N, C, H, W);
        int threads = Nd4j.getEnvironment().maxThreads();
        try {
            Nd4j.getEnvironment().setMaxThreads(1);
            INDArray oneThread = normalised(x.castTo(DataType.DOUBLE), dy.castTo(DataType.DOUBLE));
            Nd4j.getEnvironment().setMaxThreads(3);
            assertEquals(oneThread, normalised(x.castTo(DataType.DOUBLE), dy.castTo(DataType.DOUBLE)));
        } finally {
            Nd4j.getEnvironment().setMaxThreads(threads);
        }
    }

    /** Training-mode output and input gradient of the helper for x and dy, concatenated. */
    private static INDArray normalised(INDArray x, INDArray dy) {
        RowwiseBatchNormHelper helper = new RowwiseBatchNormHelper();
        org.deeplearning4j.nn.workspace.LayerWorkspaceMgr noWorkspaces = org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces();
        INDArray gamma = Nd4j.linspace(DataType.DOUBLE, 0.5, 0.25, C).reshape(1, C);
        INDArray beta = Nd4j.linspace(DataType.DOUBLE, -0.5, 0.25, C).reshape(1, C);
        INDArray out = helper.preOutput(x, true, x.shape(), gamma, beta, null, null, 0.9, 1e-5,
                org.deeplearning4j.nn.conf.CNN2DFormat.NCHW, noWorkspaces);
        INDArray dx = helper.backpropGradient(x, dy, x.shape(), gamma, beta, Nd4j.zeros(DataType.DOUBLE, 1, C),
                Nd4j.zeros(DataType.DOUBLE, 1, C), 1e-5, org.deeplearning4j.nn.conf.CNN2DFormat.NCHW, noWorkspaces).getSecond();
        return Nd4j.concat(0, out.reshape(-1), dx.reshape(-1));
    }

    @Test
    void floatStatisticsHoldForAChannelFarFromZeroWithLittleSpread() {
        // activations around 1000 that vary by 0.01: variance 1e-5 next to a mean square of 1e6, where a float
        // E[x^2] - E[x]^2 loses every digit; the helper's shifted sums must not
        Nd4j.getRandom().setSeed(23);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, C, H, W).muli(0.01).addi(1000);
        RowwiseBatchNormHelper helper = new RowwiseBatchNormHelper();
        helper.preOutput(x, true, x.shape(), Nd4j.ones(DataType.FLOAT, 1, C), Nd4j.zeros(DataType.FLOAT, 1, C), null, null,
                0.9, 1e-5, org.deeplearning4j.nn.conf.CNN2DFormat.NCHW,
                org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces());
        INDArray exact = x.castTo(DataType.DOUBLE);
        INDArray mean = exact.mean(0, 2, 3);
        INDArray variance = exact.var(false, 0, 2, 3);
        assertTrue(relativeDifference(helper.getMeanCache(DataType.FLOAT).castTo(DataType.DOUBLE).reshape(C), mean) < 1e-7);
        assertTrue(relativeDifference(helper.getVarCache(DataType.FLOAT).castTo(DataType.DOUBLE).reshape(C), variance) < 1e-3,
                helper.getVarCache(DataType.FLOAT) + " against " + variance);
    }

    @Test
    void otherLayoutsFallBackToDl4jsCode() {
        RowwiseBatchNormHelper helper = new RowwiseBatchNormHelper();
        INDArray dense = Nd4j.rand(DataType.FLOAT, 5, C);
        assertNull(helper.preOutput(dense, true, new long[]{1, C}, Nd4j.ones(DataType.FLOAT, 1, C), Nd4j.zeros(DataType.FLOAT, 1, C),
                Nd4j.zeros(DataType.FLOAT, 1, C), Nd4j.ones(DataType.FLOAT, 1, C), 0.9, 1e-5,
                org.deeplearning4j.nn.conf.CNN2DFormat.NCHW, org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces()));
    }
}
