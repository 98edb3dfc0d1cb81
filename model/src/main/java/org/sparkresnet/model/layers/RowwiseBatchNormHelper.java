package org.sparkresnet.model.layers;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collections;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Batch normalization of NCHW activations, forward and backward, computed in Java on the activations copied into an
 * array of N x C rows of H x W contiguous values ({@link ChannelRows}): a channel's statistics are sums over its N
 * rows, and the backward pass is two passes over x and dy (the two per-channel sums, then dx = a*dy + b*x + c)
 * instead of libnd4j's chain of reductions and broadcasts.
 * <p>
 * Why: DL4J's oneDNN helper hands the backward pass to libnd4j's {@code batchnorm_bp}, which runs oneDNN's backward
 * and then recomputes part of the input gradient with generic reductions and five broadcasts: 5.2 ms a call on
 * average over ResNet-20's batch norms at batch 64, where copying 64x16x28x28 floats takes 0.08 ms. The arithmetic is
 * DL4J's own (biased batch variance, the same epsilon, the layer's running-statistic updates from
 * {@link #getMeanCache}/{@link #getVarCache}); RowwiseBatchNormHelperTest holds it to DL4J's built-in implementation
 * in double precision. Other ranks, layouts and types return null, which makes the layer use its own code.
 */
public final class RowwiseBatchNormHelper implements BatchNormalizationHelper {
    private INDArray meanCache;
    private INDArray varCache;

    @Override
    public boolean checkSupported() {
        return true;
    }

    @Override
    public boolean checkSupported(double eps, boolean fixedGammaBeta) {
        return !fixedGammaBeta;
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta, INDArray mean,
                              INDArray var, double decay, double eps, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!supported(x, format) || gamma == null || beta == null) {
            return null;
        }
        int n = Math.toIntExact(x.size(0));
        int c = Math.toIntExact(x.size(1));
        ChannelRows rows = ChannelRows.copyOf(0, contiguous(x));
        double count = (double) n * rows.width;
        double[] m = training ? new double[c] : mean.toDoubleVector();
        double[] v = training ? new double[c] : var.toDoubleVector();
        double[] g = gamma.toDoubleVector();
        double[] b = beta.toDoubleVector();
        forEachChannel(c, channel -> {
            if (training) {
                // shifted by one of the channel's values, E[d^2] - E[d]^2 does not cancel as E[x^2] - E[x]^2 can
                double shift = rows.first(channel);
                double[] sums = new double[2];
                for (int row = channel; row < rows.rows; row += c) {
                    rows.addShiftedMoments(row, shift, sums);
                }
                double offset = sums[0] / count;
                m[channel] = shift + offset;
                v[channel] = Math.max(0.0, sums[1] / count - offset * offset);
            }
            double scale = g[channel] / Math.sqrt(v[channel] + eps);
            double shift = b[channel] - m[channel] * scale;
            for (int row = channel; row < rows.rows; row += c) {
                rows.scaleShift(row, scale, shift, rows);
            }
        });
        if (training) {
            cache(m, v, x.dataType());
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape(), 'c');
        rows.store(out);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                                     INDArray beta, INDArray dGammaView, INDArray dBetaView, double eps,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!supported(input, format) || gamma == null || meanCache == null || meanCache.length() != input.size(1)
                || epsilon.dataType() != input.dataType()) {
            return null;
        }
        int c = Math.toIntExact(input.size(1));
        ChannelRows x = ChannelRows.copyOf(0, contiguous(input));
        ChannelRows dy = ChannelRows.copyOf(1, contiguous(epsilon));
        double count = (double) input.size(0) * x.width;
        double[] m = meanCache.toDoubleVector();
        double[] v = varCache.toDoubleVector();
        double[] g = gamma.toDoubleVector();
        double[] dGamma = new double[c];
        double[] dBeta = new double[c];
        forEachChannel(c, channel -> {
            // dBeta = sum dy; dGamma = sum dy * xHat, xHat = (x - mean) / std (sums over n, h, w)
            double[] sums = new double[2];
            for (int row = channel; row < x.rows; row += c) {
                x.addGradientSums(row, m[channel], dy, sums);
            }
            double sumDy = sums[0];
            double sumDyCentred = sums[1];
            double invStd = 1.0 / Math.sqrt(v[channel] + eps);
            dBeta[channel] = sumDy;
            dGamma[channel] = sumDyCentred * invStd;
            // dx = gamma/std * (dy - dBeta/count - xHat * dGamma/count) = a*dy + b*x + shift, written over x
            double a = g[channel] * invStd;
            double b = -a * invStd * dGamma[channel] / count;
            double shift = -a * dBeta[channel] / count - b * m[channel];
            for (int row = channel; row < x.rows; row += c) {
                x.combine(row, dy, a, b, shift, x);
            }
        });
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
        x.store(dx);

        dGammaView.assign(Nd4j.createFromArray(dGamma).castTo(dGammaView.dataType()).reshape(dGammaView.shape()));
        dBetaView.assign(Nd4j.createFromArray(dBeta).castTo(dBetaView.dataType()).reshape(dBetaView.shape()));
        Gradient gradient = new DefaultGradient();
        gradient.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        gradient.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        return new Pair<>(gradient, dx);
    }

    /**
     * Runs {@code body} for every channel: on this thread where ND4J runs one native thread (a single-core Spark task
     * or local[N] worker), else in as many parallel chunks of channels as ND4J has threads.
     */
    private static void forEachChannel(int channels, IntConsumer body) {
        int chunks = Math.min(channels, Nd4j.getEnvironment().maxThreads());
        if (chunks <= 1) {
            for (int channel = 0; channel < channels; channel++) {
                body.accept(channel);
            }
            return;
        }
        IntStream.range(0, chunks).parallel().forEach(chunk -> {
            for (int channel = channels * chunk / chunks; channel < channels * (chunk + 1) / chunks; channel++) {
                body.accept(channel);
            }
        });
    }

    private static boolean supported(INDArray x, CNN2DFormat format) {
        return x.rank() == 4 && format == CNN2DFormat.NCHW && ChannelRows.supports(x.dataType());
    }

    /** x itself when it is laid out contiguously in C order (views included), else a C-order copy. */
    private static INDArray contiguous(INDArray x) {
        return x.ordering() == 'c' && Shape.hasDefaultStridesForShape(x) ? x : x.dup('c');
    }

    private void cache(double[] mean, double[] var, DataType type) {
        if (meanCache == null || meanCache.length() != mean.length || meanCache.dataType() != type) {
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                meanCache = Nd4j.createUninitialized(type, mean.length);
                varCache = Nd4j.createUninitialized(type, var.length);
            }
        }
        meanCache.assign(Nd4j.createFromArray(mean).castTo(type));
        varCache.assign(Nd4j.createFromArray(var).castTo(type));
    }

    @Override
    public INDArray getMeanCache(DataType dataType) {
        return meanCache;
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return varCache;
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Collections.emptyMap();
    }
}
