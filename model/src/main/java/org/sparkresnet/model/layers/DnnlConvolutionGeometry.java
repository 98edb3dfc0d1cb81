package org.sparkresnet.model.layers;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.ConvolutionMode;

/**
 * Shapes, strides and padding of one 2-D convolution in NCHW, as DL4J's ConvolutionLayer defines them. Same mode pads
 * as DL4J does (ConvolutionUtils.getSameModeTopLeftPadding: the top/left gets half the total, rounded down, the
 * bottom/right the rest); other modes pad symmetrically by the configured amount and drop what does not fit.
 */
record DnnlConvolutionGeometry(long[] inputShape, long[] weightShape, long[] outputShape, int strideH, int strideW,
                               int padTop, int padLeft, int padBottom, int padRight) {

    static DnnlConvolutionGeometry of(long[] inputShape, long[] weightShape, int[] strides, int[] pad, ConvolutionMode mode) {
        long n = inputShape[0], inH = inputShape[2], inW = inputShape[3];
        long kH = weightShape[2], kW = weightShape[3];
        long outH, outW;
        int top, left, bottom, right;
        if (mode == ConvolutionMode.Same) {
            outH = ceilDiv(inH, strides[0]);
            outW = ceilDiv(inW, strides[1]);
            long totalH = Math.max(0, (outH - 1) * strides[0] + kH - inH);
            long totalW = Math.max(0, (outW - 1) * strides[1] + kW - inW);
            top = (int) (totalH / 2);
            left = (int) (totalW / 2);
            bottom = (int) (totalH - top);
            right = (int) (totalW - left);
        } else {
            top = pad[0];
            left = pad[1];
            outH = (inH + 2L * pad[0] - kH) / strides[0] + 1;
            outW = (inW + 2L * pad[1] - kW) / strides[1] + 1;
            // oneDNN wants the right padding that makes its output size exact; DL4J drops the rows that do not fit
            bottom = (int) ((outH - 1) * strides[0] + kH - inH - top);
            right = (int) ((outW - 1) * strides[1] + kW - inW - left);
        }
        return new DnnlConvolutionGeometry(inputShape.clone(), weightShape.clone(), new long[]{n, weightShape[0], outH, outW},
                strides[0], strides[1], top, left, bottom, right);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DnnlConvolutionGeometry g && Arrays.equals(inputShape, g.inputShape)
                && Arrays.equals(weightShape, g.weightShape) && Arrays.equals(outputShape, g.outputShape)
                && strideH == g.strideH && strideW == g.strideW && padTop == g.padTop && padLeft == g.padLeft
                && padBottom == g.padBottom && padRight == g.padRight;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(inputShape) * 31 + Arrays.hashCode(weightShape);
    }

    @Override
    public String toString() {
        return "conv " + Arrays.toString(inputShape) + " * " + Arrays.toString(weightShape) + " -> " + Arrays.toString(outputShape)
                + " stride " + strideH + "x" + strideW + " pad " + padTop + "," + padLeft + "," + padBottom + "," + padRight;
    }
}
