package org.sparkresnet.model.layers;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's convolution layer without the forward pass that its backprop replays.
 * <p>
 * The DL4J bug (M2.1, and the same in later sources): {@code ConvolutionLayer.backpropGradient} starts with
 * {@code preOutput4d(true, true, ...)}, which runs the whole forward convolution again (unless a cache mode keeps
 * it, at the memory of one more activation per layer), only to hand the result to the activation's backprop. For the
 * identity activation that result is never read ({@code ActivationIdentity.backprop} checks its shape and returns
 * the incoming gradient), so every convolution of a ResNet ran twice per training step: 42 conv2d calls for
 * ResNet-20's 21 convolutions. Here, while backprop runs with the identity activation in NCHW, preOutput4d answers
 * with the incoming gradient (the same shape as the forward output) instead of recomputing; everything else is
 * DL4J's code. ForwardOnceConvolutionTest shows the replay in the stock layer and gradients equal to it.
 */
public class ForwardOnceConvolutionLayer extends ConvolutionLayer {
    /** The gradient backprop was called with; set only for the duration of {@link #backpropGradient}. */
    private INDArray backpropEpsilon;

    public ForwardOnceConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        if (DnnlConvolutionHelper.usable() && !hasBias()) {
            // DL4J's constructor chose its helper (oneDNN's through libnd4j on CPU); ours runs first, falls back to it
            helper = new DnnlConvolutionHelper(helper);
        }
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        backpropEpsilon = epsilon;
        try {
            return super.backpropGradient(epsilon, workspaceMgr);
        } finally {
            backpropEpsilon = null;
        }
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput4d(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
        if (forBackprop && backpropEpsilon != null && skipsReplay()) {
            // read by nothing but ActivationIdentity.backprop's shape check; no im2col to reuse, DL4J's own path redoes it
            return new Pair<>(backpropEpsilon, null);
        }
        return super.preOutput4d(training, forBackprop, workspaceMgr);
    }

    private boolean skipsReplay() {
        return layerConf().getActivationFn() instanceof ActivationIdentity
                && layerConf().getCnn2dDataFormat() == CNN2DFormat.NCHW;
    }
}
