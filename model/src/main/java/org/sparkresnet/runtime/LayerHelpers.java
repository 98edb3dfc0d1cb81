package org.sparkresnet.runtime;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.LayerHelper;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;

/** Which accelerated implementation (oneDNN, cuDNN) DL4J attached to the conv and batch-norm layers of a graph. */
public final class LayerHelpers {
    /** Shown for a layer that runs DL4J's built-in Java/im2col path. */
    public static final String NONE = "none";

    private LayerHelpers() {
    }

    /** Layer name to helper class simple name (or {@link #NONE}) for every convolution layer. */
    public static Map<String, String> convolution(ComputationGraph graph) {
        return helpersOf(graph, ConvolutionLayer.class);
    }

    /** Layer name to helper class simple name (or {@link #NONE}) for every batch-norm layer. */
    public static Map<String, String> batchNorm(ComputationGraph graph) {
        return helpersOf(graph, BatchNormalization.class);
    }

    private static Map<String, String> helpersOf(ComputationGraph graph, Class<? extends Layer> type) {
        Map<String, String> helpers = new LinkedHashMap<>();
        for (Layer layer : graph.getLayers()) {
            if (type.isInstance(layer)) {
                LayerHelper helper = layer.getHelper();
                helpers.put(layer.conf().getLayer().getLayerName(), helper == null ? NONE : helper.getClass().getSimpleName());
            }
        }
        return helpers;
    }
}
