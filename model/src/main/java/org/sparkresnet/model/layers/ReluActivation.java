package org.sparkresnet.model.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * DL4J's ActivationLayer configuration for a plain ReLU (same JSON apart from the class name) whose layers are
 * {@link ReluActivationLayer}s: the same values forward and backward through ND4J's vectorised element-wise ops
 * instead of the relu_bp op and two copies. Models saved with it name this class in their JSON.
 */
public class ReluActivation extends ActivationLayer {
    private static final long serialVersionUID = 1L;

    /** For Jackson (saved models) and clone(). */
    public ReluActivation() {
    }

    /** The same configuration as {@code built}, which must be a plain ReLU (no cap, threshold or leak). */
    public static ReluActivation of(ActivationLayer built) {
        if (!isPlainRelu(built.getActivationFn())) {
            throw new IllegalArgumentException("ReluActivation needs a plain ReLU activation, got " + built.getActivationFn());
        }
        return LayerConfigurationCopy.copy(ActivationLayer.class, built, new ReluActivation());
    }

    /** The two ways DL4J spells max(0, x): no max, threshold or negative slope, as nulls or as zeros. */
    private static final ActivationReLU PLAIN = new ActivationReLU();
    private static final ActivationReLU PLAIN_ZEROS = new ActivationReLU(null, 0.0, 0.0);

    /** max(0, x) exactly: DL4J's ReLU with no max, threshold or negative slope (null or 0). */
    static boolean isPlainRelu(IActivation activation) {
        return activation instanceof ActivationReLU relu && (relu.equals(PLAIN) || relu.equals(PLAIN_ZEROS));
    }

    /** What DL4J's ActivationLayer.instantiate does (M2.1), with the project's layer class. */
    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        ReluActivationLayer layer = new ReluActivationLayer(conf, networkDataType);
        layer.setListeners(listeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        layer.setParamTable(initializer().init(conf, layerParamsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }

    @Override
    public ReluActivation clone() {
        return (ReluActivation) super.clone();
    }
}
