package org.sparkresnet.model.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;

/**
 * DL4J's BatchNormalization layer (same parameters, same JSON apart from the class name, same updates of the running
 * statistics) whose layers compute through {@link RowwiseBatchNormHelper} instead of the oneDNN helper where that is
 * faster: on CPU backends whose ND4J runs one native thread per worker (OMP_NUM_THREADS=1: executors with one core
 * per task, local[N] through deploy/bin/resnet). Measured on 2 cores, ResNet-20, batch 64: two single-threaded
 * trainers in one JVM 290 images/s in all with this helper, 221 with oneDNN's; one trainer with 2 threads 117 with
 * this helper, 147-166 with oneDNN's (its small in-place kernels do not gain from a second thread). The system
 * property {@value #POLICY_PROPERTY} = auto (that rule, the default), always or never overrides it. On CUDA DL4J's
 * cuDNN helper is always kept. Every network
 * built from a configuration gets it (Spark workers, both training masters, ModelSerializer restores), because the
 * helper is attached where DL4J instantiates the layer. Models saved with it name this class in their JSON.
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
        RowwiseBatchNormalization copy = new RowwiseBatchNormalization();
        for (Class<?> type = BatchNormalization.class; type != Object.class; type = type.getSuperclass()) {
            for (Field field : type.getDeclaredFields()) {
                if (!Modifier.isStatic(field.getModifiers())) {
                    field.setAccessible(true);
                    try {
                        field.set(copy, field.get(built));
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException("cannot copy BatchNormalization." + field.getName(), e);
                    }
                }
            }
        }
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
        if (!Nd4j.getEnvironment().isCPU()) {
            return false;
        }
        String policy = System.getProperty(POLICY_PROPERTY, "auto");
        return switch (policy) {
            case "always" -> true;
            case "never" -> false;
            case "auto" -> Nd4j.getEnvironment().maxThreads() == 1;
            default -> throw new IllegalArgumentException("-D" + POLICY_PROPERTY + " must be auto, always or never, got '" + policy + "'");
        };
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
