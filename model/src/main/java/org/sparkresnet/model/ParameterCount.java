package org.sparkresnet.model;

import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Parameter counts two ways. DL4J stores BatchNormalization's running mean and variance as parameters, so its
 * {@code numParams()} is larger than the figure torchvision and papers quote.
 *
 * @param trainable the torchvision-comparable count: weights, biases, BN gamma/beta (frozen ones included)
 * @param total     everything DL4J stores, i.e. {@code ComputationGraph.numParams()}
 */
public record ParameterCount(long trainable, long total) {
    private static final Set<String> BN_STATISTICS = Set.of(BatchNormalizationParamInitializer.GLOBAL_MEAN,
            BatchNormalizationParamInitializer.GLOBAL_VAR, BatchNormalizationParamInitializer.GLOBAL_LOG_STD);

    public static final ParameterCount ZERO = new ParameterCount(0, 0);

    public ParameterCount {
        if (trainable < 0 || total < trainable) {
            throw new IllegalArgumentException("need 0 <= trainable <= total, got " + trainable + " / " + total);
        }
    }

    /** BN running mean and variance: stored and updated, but not learned by gradient. */
    public long batchNormStatistics() {
        return total - trainable;
    }

    public ParameterCount plus(ParameterCount other) {
        return new ParameterCount(trainable + other.trainable, total + other.total);
    }

    /** Counts from a configuration alone (nIn must be set, as a built graph configuration has it): no arrays are allocated. */
    public static ParameterCount of(ComputationGraphConfiguration configuration) {
        ParameterCount sum = ZERO;
        for (GraphVertex vertex : configuration.getVertices().values()) {
            sum = sum.plus(ofVertex(vertex));
        }
        return sum;
    }

    /** Counts from an initialised graph's parameter arrays. */
    public static ParameterCount of(ComputationGraph graph) {
        long trainable = 0;
        long total = 0;
        for (Layer layer : graph.getLayers()) {
            boolean batchNorm = unwrap(layer.conf().getLayer()) instanceof BatchNormalization;
            for (var entry : layer.paramTable(false).entrySet()) {
                INDArray values = entry.getValue();
                total += values.length();
                if (!(batchNorm && BN_STATISTICS.contains(entry.getKey()))) {
                    trainable += values.length();
                }
            }
        }
        return new ParameterCount(trainable, total);
    }

    static ParameterCount ofVertex(GraphVertex vertex) {
        if (!(vertex instanceof LayerVertex layerVertex)) {
            return ZERO;
        }
        NeuralNetConfiguration conf = layerVertex.getLayerConf();
        org.deeplearning4j.nn.conf.layers.Layer layer = conf.getLayer();
        long total = layer.initializer().numParams(conf);
        long statistics = unwrap(layer) instanceof BatchNormalization bn ? 2 * bn.getNOut() : 0;
        return new ParameterCount(total - statistics, total);
    }

    /** The layer inside a frozen wrapper, so frozen BN layers are still recognised. */
    static org.deeplearning4j.nn.conf.layers.Layer unwrap(org.deeplearning4j.nn.conf.layers.Layer layer) {
        if (layer instanceof FrozenLayer frozen) {
            return unwrap(frozen.getLayer());
        }
        if (layer instanceof BaseWrapperLayer wrapper) {
            return unwrap(wrapper.getUnderlying());
        }
        return layer;
    }
}
