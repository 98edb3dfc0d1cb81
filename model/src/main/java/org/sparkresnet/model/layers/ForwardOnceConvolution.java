package org.sparkresnet.model.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.Map;

/**
 * DL4J's ConvolutionLayer configuration (same parameters, same JSON apart from the class name) whose layers are
 * {@link ForwardOnceConvolutionLayer}s: backprop does not run the forward convolution a second time when the
 * activation is the identity, as it is for every convolution of this project's ResNets (batch norm follows).
 * Models saved with it name this class in their JSON.
 */
public class ForwardOnceConvolution extends ConvolutionLayer {
    private static final long serialVersionUID = 1L;

    /** For Jackson (saved models) and clone(). */
    public ForwardOnceConvolution() {
    }

    /**
     * The same configuration as {@code built}, with this class's layers. A failing helper throws instead of falling
     * back to DL4J's im2col code (cudnnAllowFallback false): a silent fallback would hide a bug behind a slowdown.
     */
    public static ForwardOnceConvolution of(ConvolutionLayer built) {
        ForwardOnceConvolution copy = LayerConfigurationCopy.copy(ConvolutionLayer.class, built, new ForwardOnceConvolution());
        copy.setCudnnAllowFallback(false);
        return copy;
    }

    /** What DL4J's ConvolutionLayer.instantiate does (M2.1), with the project's layer class. */
    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("ConvolutionLayer", getLayerName(), layerIndex, getNIn(), getNOut());
        ForwardOnceConvolutionLayer layer = new ForwardOnceConvolutionLayer(conf, networkDataType);
        layer.setListeners(listeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        ParamInitializer initializer = initializer();
        Map<String, INDArray> params = initializer.init(conf, layerParamsView, initializeParams);
        layer.setParamTable(params);
        layer.setConf(conf);
        return layer;
    }

    @Override
    public ForwardOnceConvolution clone() {
        return (ForwardOnceConvolution) super.clone();
    }
}
