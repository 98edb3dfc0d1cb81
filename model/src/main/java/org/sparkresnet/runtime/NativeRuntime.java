package org.sparkresnet.runtime;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.sparkresnet.model.layers.DnnlConvolutionHelper;
import org.sparkresnet.model.layers.ForwardOnceConvolution;
import org.sparkresnet.model.layers.RowwiseBatchNormHelper;
import org.sparkresnet.model.layers.RowwiseBatchNormalization;

/**
 * Reports, and on request insists on, DL4J's fast CPU path: the oneDNN build of libnd4j plus the oneDNN
 * convolution and batch-norm layer helpers. Each piece can fall back silently (wrong native jar or JVM flag,
 * helpers disabled by default in M2.1, the M2.1 class-name bug), costing up to 10x in training speed.
 */
public final class NativeRuntime {
    static final String ONEDNN_CONV_HELPER = "MKLDNNConvHelper";
    static final String DNNL_CONV_HELPER = DnnlConvolutionHelper.class.getSimpleName();
    static final String ROWWISE_BATCH_NORM_HELPER = RowwiseBatchNormHelper.class.getSimpleName();
    static final String ONEDNN_BATCH_NORM_HELPER = "MKLDNNBatchNormHelper";

    /** The convolution helper the fast path uses on CPU in this JVM (see DnnlConvolutionHelper for the rule). */
    static String expectedConvHelper() {
        return DnnlConvolutionHelper.usable() ? DNNL_CONV_HELPER : ONEDNN_CONV_HELPER;
    }

    /** The batch-norm helper the fast path uses on CPU in this JVM (see RowwiseBatchNormalization for the rule). */
    static String expectedBatchNormHelper() {
        return RowwiseBatchNormalization.usesRowwiseHelper() ? ROWWISE_BATCH_NORM_HELPER : ONEDNN_BATCH_NORM_HELPER;
    }
    private static final String HELPERS_DISABLE_PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";
    private static final String PLATFORM_EXTENSION_PROPERTY = "org.bytedeco.javacpp.platform.extension";

    private NativeRuntime() {
    }

    /** What the probe found: the native build and the helpers DL4J attaches to a conv and a BN layer. */
    private record State(NativeBuild build, String convHelper, String batchNormHelper) {
        static final State CURRENT = probe();
    }

    /** One start-up line: backend, native build, oneDNN, layer helpers, threads. */
    public static String describe() {
        State state = State.CURRENT;
        NativeBuild build = state.build();
        return String.format("ND4J %s backend (%s), native build %s, oneDNN compiled in: %s, oneDNN enabled: %s, "
                        + "DL4J layer helpers: conv=%s batchnorm=%s (%s=%s), threads: %d",
                build.backend(), Nd4j.getBackend().getClass().getSimpleName(), build.platform(),
                yesNo(build.oneDnnBuilt()), yesNo(build.oneDnnEnabled()), state.convHelper(), state.batchNormHelper(),
                HELPERS_DISABLE_PROPERTY, System.getProperty(HELPERS_DISABLE_PROPERTY, "true (M2.1 default)"),
                build.threads());
    }

    /** @throws IllegalStateException naming each part of the fast path that fell back, and how to fix it */
    public static void requireFastPath() {
        List<String> problems = problems(State.CURRENT);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("DL4J is not on its fast path (" + describe() + "): " + String.join("; ", problems));
        }
    }

    private static List<String> problems(State state) {
        List<String> problems = new ArrayList<>();
        NativeBuild build = state.build();
        if (build.isCpu()) {
            if (!build.oneDnnBuilt()) {
                problems.add("the loaded libnd4j (" + build.platform() + ") is not the oneDNN build: put the nd4j-native "
                        + "linux-x86_64-onednn-avx2 jar on the classpath and start the JVM with -D"
                        + PLATFORM_EXTENSION_PROPERTY + "=-onednn-avx2 (see JvmFlags)");
            } else if (!build.oneDnnEnabled()) {
                problems.add("oneDNN is compiled in but switched off (Nd4jCpu.Environment.setUseONEDNN(false))");
            }
            expectHelper(problems, "convolution", state.convHelper(), expectedConvHelper());
            expectHelper(problems, "batch norm", state.batchNormHelper(), expectedBatchNormHelper());
        } else {
            // On an accelerator the fast path is the vendor helper (cuDNN); there is no oneDNN to check.
            expectHelper(problems, "convolution", state.convHelper(), null);
            expectHelper(problems, "batch norm", state.batchNormHelper(), null);
        }
        return problems;
    }

    private static void expectHelper(List<String> problems, String layer, String actual, String expected) {
        boolean ok = expected == null ? !LayerHelpers.NONE.equals(actual) : expected.equals(actual);
        if (!ok) {
            problems.add("the " + layer + " layer helper is " + actual + (expected == null ? "" : " instead of " + expected)
                    + ": start the JVM with -D" + HELPERS_DISABLE_PROPERTY + "=false (M2.1 disables helpers by default)"
                    + " and keep the model jar's org.nd4j.nativeblas.Nd4jCpu class-name fix on the classpath");
        }
    }

    private static State probe() {
        NativeBuild build = NativeBuild.current();
        ComputationGraph graph = new ComputationGraph(probeConfiguration());
        graph.init();
        String conv = LayerHelpers.convolution(graph).values().iterator().next();
        String batchNorm = LayerHelpers.batchNorm(graph).values().iterator().next();
        return new State(build, conv, batchNorm);
    }

    /** The smallest graph with the two layer kinds whose helpers matter, configured as ResNets configures them. */
    private static ComputationGraphConfiguration probeConfiguration() {
        return new NeuralNetConfiguration.Builder()
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("in")
                .addLayer("conv", ForwardOnceConvolution.of(new ConvolutionLayer.Builder(3, 3).nIn(1).nOut(2).hasBias(false)
                        .activation(Activation.IDENTITY).build()), "in")
                .addLayer("bn", RowwiseBatchNormalization.of(new BatchNormalization.Builder().useLogStd(false).build()), "conv")
                .addLayer("pool", new GlobalPoolingLayer.Builder().build(), "bn")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(4, 4, 1))
                .build();
    }

    private static String yesNo(boolean value) {
        return value ? "yes" : "no";
    }
}
