package org.sparkresnet.model.layers;

import java.util.Collections;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdDataAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdFilterAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.FwdAlgo;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A convolution helper that calls oneDNN 2.5 itself (through JavaCPP's dnnl presets) with primitives built once per
 * layer and input shape, for float NCHW convolutions without dilation, which is every convolution of this project's
 * ResNets; anything else goes to the helper DL4J chose ({@code fallback}, its oneDNN helper on CPU). Only for layers
 * without bias: DL4J then passes a zero "dummy" bias (and bias gradient), which this helper ignores.
 * <p>
 * Why: DL4J's MKLDNNConvHelper goes through libnd4j's conv2d and conv2d_bp ops, which build oneDNN 2.3 primitives
 * for every call and pick different kernels; for ResNet-20's 21 convolutions at batch 64 (1x28x28) they took about
 * 23 ms forward and 51 ms backward per step here, against 11 and 24 ms with these primitives (the same NCHW arrays,
 * reordered to oneDNN's layouts and back on each call). DnnlConvolutionHelperTest holds the results to DL4J's own
 * convolution computed in double precision.
 */
public final class DnnlConvolutionHelper implements ConvolutionHelper {
    /** always (default) or never: whether the project's convolution layers run on this helper on CPU backends. */
    public static final String POLICY_PROPERTY = "sparkresnet.dnnlConvolution";
    private final ConvolutionHelper fallback;
    /** The primitives for the last geometry seen: a layer sees one input shape per batch size. */
    private DnnlConvolution primitives;

    DnnlConvolutionHelper(ConvolutionHelper fallback) {
        this.fallback = fallback;
    }

    /** Whether convolution layers created now get this helper: on CPU backends unless -D{@value #POLICY_PROPERTY}=never. */
    public static boolean usable() {
        return CpuHelperPolicy.enabled(POLICY_PROPERTY);
    }

    @Override
    public boolean checkSupported() {
        return true;
    }

    @Override
    public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides, int[] pad,
                              AlgoMode mode, FwdAlgo fwdAlgo, ConvolutionMode convolutionMode, int[] dilation,
                              CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        DnnlConvolution conv = handles(input, weights, bias, dilation, format)
                ? primitivesFor(input, weights, strides, pad, convolutionMode) : null;
        if (conv == null) {
            return fallback == null ? null : fallback.preOutput(input, weights, bias, kernel, strides, pad, mode, fwdAlgo,
                    convolutionMode, dilation, format, workspaceMgr);
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, conv.geometry().outputShape(), 'c');
        conv.forward(contiguous(input), weights, out);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray weights, INDArray bias, INDArray delta,
                                                     int[] kernel, int[] strides, int[] pad, INDArray biasGradView,
                                                     INDArray weightGradView, IActivation afn, AlgoMode mode,
                                                     BwdFilterAlgo bwdFilterAlgo, BwdDataAlgo bwdDataAlgo,
                                                     ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
                                                     LayerWorkspaceMgr workspaceMgr) {
        boolean handled = handles(input, weights, bias, dilation, format) && delta.dataType() == DataType.FLOAT
                && isContiguous(weightGradView) && weightGradView.dataType() == DataType.FLOAT;
        DnnlConvolution conv = handled ? primitivesFor(input, weights, strides, pad, convolutionMode) : null;
        if (conv == null) {
            // DL4J passes no bias but its dummy bias gradient in backprop, which its oneDNN helper cannot take together
            return fallback == null ? null : fallback.backpropGradient(input, weights, bias, delta, kernel, strides, pad,
                    bias == null ? null : biasGradView, weightGradView, afn, mode, bwdFilterAlgo, bwdDataAlgo,
                    convolutionMode, dilation, format, workspaceMgr);
        }
        INDArray inputGrad = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
        conv.backward(contiguous(input), weights, contiguous(delta), inputGrad, weightGradView);
        Gradient gradient = new DefaultGradient();
        gradient.gradientForVariable().put(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView);
        return new Pair<>(gradient, inputGrad);
    }

    @Override
    public INDArray activate(INDArray z, IActivation afn, boolean training) {
        return afn.getActivation(z, training);
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Collections.emptyMap();
    }

    /** Float NCHW input and contiguous OIHW weights, no dilation (the bias is DL4J's zero dummy: see the class comment). */
    private static boolean handles(INDArray input, INDArray weights, INDArray bias, int[] dilation, CNN2DFormat format) {
        return format == CNN2DFormat.NCHW && input.rank() == 4 && input.dataType() == DataType.FLOAT
                && weights.dataType() == DataType.FLOAT && isContiguous(weights)
                && (dilation == null || (dilation[0] == 1 && dilation[1] == 1));
    }

    /** The primitives for this call, or null where oneDNN cannot express it (DL4J dropping input rows: see below). */
    private DnnlConvolution primitivesFor(INDArray input, INDArray weights, int[] strides, int[] pad, ConvolutionMode mode) {
        DnnlConvolutionGeometry geometry = DnnlConvolutionGeometry.of(input.shape(), weights.shape(), strides, pad, mode);
        if (geometry.padBottom() < 0 || geometry.padRight() < 0) {
            // Truncate mode leaving input rows or columns unused: negative padding, which oneDNN 2.5 refuses
            return null;
        }
        if (primitives == null || !primitives.geometry().equals(geometry)) {
            primitives = new DnnlConvolution(geometry);
        }
        return primitives;
    }

    /**
     * Whether the values lie in C order without gaps. Strides of dimensions of size 1 do not matter (ND4J leaves them
     * as they come, e.g. in a [16, 1, 3, 3] weight view).
     */
    static boolean isContiguous(INDArray a) {
        long[] shape = a.shape();
        long[] stride = a.stride();
        long expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }

    private static INDArray contiguous(INDArray a) {
        return isContiguous(a) ? a : a.dup('c');
    }
}
