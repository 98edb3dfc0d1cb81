package org.sparkresnet.model.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.reflect.Field;
import java.util.Collection;

/**
 * DL4J's BatchNormalization layer (same parameters, same JSON apart from the class name, same updates of the running
 * statistics) whose layers compute through {@link RowwiseBatchNormHelper} instead of the oneDNN helper on CPU
 * backends. Measured on 2 cores, ResNet-20 training at batch 64 with 2 native threads: 215-250 ms an iteration with
 * this helper, 300-350 with oneDNN's. The system property {@value #POLICY_PROPERTY} = never keeps DL4J's helper
 * (always is the default). On CUDA DL4J's cuDNN helper is always
 * kept. Every network built from a configuration gets it (Spark workers, both training masters, ModelSerializer
 * restores), because the helper is attached where DL4J instantiates the layer. Models saved with it name this class
 * in their JSON.
 */
public class RowwiseBatchNormalization extends BatchNormalization {
    private static final long serialVersionUID = 1L;
    /** The layer's helper slot; package-private in DL4J M2.1 and set by nothing but the layer's own constructor. */
    private static final Field HELPER = helperField();
    public static final String POLICY_PROPERTY = "sparkresnet.rowwiseBatchNorm";

    /** For Jackson (saved models) and clone(). */
    public RowwiseBatchNormalization() {
    }

    /**
     * The same configuration as {@code built}, with this class's layers. A failing helper throws instead of falling
     * back to DL4J's code (cudnnAllowFallback false): a silent fallback would hide a bug behind a slowdown.
     */
    public static RowwiseBatchNormalization of(BatchNormalization built) {
        RowwiseBatchNormalization copy = LayerConfigurationCopy.copy(BatchNormalization.class, built, new RowwiseBatchNormalization());
        copy.setCudnnAllowFallback(false);
        return copy;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        Layer layer = super.instantiate(conf, listeners, layerIndex, layerParamsView, initializeParams, networkDataType);
        if (!usesRowwiseHelper()) {
            return layer;
        }
        try {
            HELPER.set(layer, new RowwiseBatchNormHelper());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot attach RowwiseBatchNormHelper to " + getLayerName(), e);
        }
        return layer;
    }

    /** Whether layers instantiated now get the rowwise helper (see the class comment). */
    public static boolean usesRowwiseHelper() {
        return CpuHelperPolicy.enabled(POLICY_PROPERTY);
    }

    @Override
    public RowwiseBatchNormalization clone() {
        return (RowwiseBatchNormalization) super.clone();
    }

    private static Field helperField() {
        try {
            Field field = org.deeplearning4j.nn.layers.normalization.BatchNormalization.class.getDeclaredField("helper");
            field.setAccessible(true);
            return field;
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("DL4J's BatchNormalization layer has no 'helper' field (a DL4J other than 1.0.0-M2.1?)", e);
        }
    }
}
