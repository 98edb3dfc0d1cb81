package org.sparkresnet.jobs.preflight;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkresnet.model.layers.ForwardOnceConvolution;
import org.sparkresnet.runtime.LayerHelpers;
import org.sparkresnet.runtime.NativeBuild;
import org.sparkresnet.runtime.NativeRuntime;

import java.util.Random;

/**
 * The native runtime this JVM actually loaded (ND4J backend, libnd4j build, oneDNN or CUDA, the layer helpers DL4J
 * attached; see {@link NativeRuntime}) and one small convolution forward through the project's convolution layer,
 * compared with a plain Java convolution: a native library that loads but computes wrong, or crashes on first use, shows
 * here and not an hour into training.
 */
public final class NativeCheck {
    static final String NAME = "native";
    /** float32 sums of 18 products of numbers in [-1, 1]: far below this unless the kernel is wrong. */
    static final double TOLERANCE = 1e-4;
    private static final int CHANNELS = 2;
    private static final int FILTERS = 3;
    private static final int SIZE = 6;

    private NativeCheck() {
    }

    /** What the tiny convolution gave: its helper and the largest difference from the Java reference. */
    public record Convolution(String helper, double maxAbsDiff) {
    }

    /** Loads ND4J if it is not loaded yet; never throws: a library that cannot load is a failed check. */
    public static Check run(String where) {
        try {
            String described = NativeRuntime.describe();
            String problem = null;
            try {
                NativeRuntime.requireFastPath();
            } catch (IllegalStateException e) {
                problem = e.getMessage();
            }
            return evaluate(where, NativeBuild.current(), described, problem, convolve(new Random(7)));
        } catch (LinkageError | RuntimeException e) {
            return loadFailure(where, e);
        }
    }

    static Check loadFailure(String where, Throwable e) {
        return Check.fail(where, NAME, "ND4J's native runtime failed: " + oneLine(e),
                "every executor needs the jars of the distribution's lib/ (nd4j-native and its linux-x86_64-onednn-avx2 jar; --jars,"
                        + " as bin/resnet-submit passes them), Linux x86-64 with AVX2, and conf/jvm-flags in"
                        + " spark.executor.extraJavaOptions (-Dorg.bytedeco.javacpp.platform.extension=-onednn-avx2); a GPU"
                        + " executor needs nd4j-cuda for its CUDA version and the NVIDIA driver");
    }

    /**
     * @param problem null when NativeRuntime found the fast path, else its message (what fell back and the fix)
     */
    static Check evaluate(String where, NativeBuild build, String described, String problem, Convolution convolution) {
        String conv = String.format("3x3 convolution forward (%s) matches the Java reference (max |diff| %.1e)",
                convolution.helper(), convolution.maxAbsDiff());
        String engine = build.isCpu()
                ? (build.oneDnnBuilt() && build.oneDnnEnabled() ? "oneDNN in use" : "oneDNN NOT in use")
                : build.backend() + " backend in use";
        if (!(convolution.maxAbsDiff() <= TOLERANCE)) {
            return Check.fail(where, NAME, engine + "; " + described + "; 3x3 convolution forward (" + convolution.helper()
                            + ") differs from the Java reference by " + convolution.maxAbsDiff(),
                    "the native library computes wrong results on this machine: run with -Dsparkresnet.dnnlConvolution=never to"
                            + " rule out the project's oneDNN helper, and check that the CPU has AVX2 (grep avx2 /proc/cpuinfo)");
        }
        if (problem != null) {
            return Check.fail(where, NAME, engine + "; " + problem, "see the detail: each part that fell back names its fix");
        }
        return Check.pass(where, NAME, engine + ": " + described + "; " + conv);
    }

    /** One forward pass of a 3x3 same-padded convolution without bias on random input, against loops in Java. */
    static Convolution convolve(Random random) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(random.nextLong())
                .dataType(DataType.FLOAT)
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("in")
                .addLayer("conv", ForwardOnceConvolution.of(new ConvolutionLayer.Builder(3, 3).nOut(FILTERS).hasBias(false)
                        .activation(Activation.IDENTITY).build()), "in")
                .setOutputs("conv")
                .setInputTypes(InputType.convolutional(SIZE, SIZE, CHANNELS))
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        float[][][][] x = new float[2][CHANNELS][SIZE][SIZE];
        for (float[][][] image : x) {
            for (float[][] channel : image) {
                for (float[] row : channel) {
                    for (int i = 0; i < row.length; i++) {
                        row[i] = random.nextFloat() * 2 - 1;
                    }
                }
            }
        }
        INDArray input = Nd4j.create(x);
        INDArray output = graph.outputSingle(input);
        INDArray w = graph.getLayer("conv").getParam("W");
        double maxDiff = 0;
        for (int n = 0; n < x.length; n++) {
            for (int o = 0; o < FILTERS; o++) {
                for (int r = 0; r < SIZE; r++) {
                    for (int c = 0; c < SIZE; c++) {
                        double expected = 0;
                        for (int ch = 0; ch < CHANNELS; ch++) {
                            for (int kr = 0; kr < 3; kr++) {
                                for (int kc = 0; kc < 3; kc++) {
                                    int rr = r + kr - 1;
                                    int cc = c + kc - 1;
                                    if (rr >= 0 && rr < SIZE && cc >= 0 && cc < SIZE) {
                                        expected += w.getDouble(o, ch, kr, kc) * x[n][ch][rr][cc];
                                    }
                                }
                            }
                        }
                        maxDiff = Math.max(maxDiff, Math.abs(expected - output.getDouble(n, o, r, c)));
                    }
                }
            }
        }
        if (Double.isNaN(output.sumNumber().doubleValue())) {
            maxDiff = Double.NaN;
        }
        return new Convolution(LayerHelpers.convolution(graph).get("conv"), maxDiff);
    }

    static String oneLine(Throwable e) {
        StringBuilder out = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (out.length() > 0) {
                out.append(" <- ");
            }
            out.append(t.getClass().getSimpleName()).append(": ").append(String.valueOf(t.getMessage()).replace('\n', ' '));
            if (out.length() > 400) {
                break;
            }
        }
        return out.toString();
    }
}
