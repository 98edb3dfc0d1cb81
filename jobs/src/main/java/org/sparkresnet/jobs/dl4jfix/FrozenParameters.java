package org.sparkresnet.jobs.dl4jfix;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Workaround for parameter averaging (dl4j-spark 1.0.0-M2) moving frozen layers: it sums every worker's parameters and
 * divides by the worker count, and for frozen layers, equal on every worker, (x + x + x) / 3 in float is not always x
 * (about 15% of the elements move by one unit in the last place with 3 workers, 29% with 6; exact only for a power
 * of two). Over many rounds a fine-tuned model's frozen stages would drift from the base's.
 *
 * <p>The fix: the frozen layers' parameters (weights and batch-norm running statistics) as they were before training,
 * put back after every averaging round.
 */
public final class FrozenParameters {
    private final Map<String, Map<String, INDArray>> values;

    private FrozenParameters(Map<String, Map<String, INDArray>> values) {
        this.values = values;
    }

    /** A copy of every {@link FrozenLayer}'s parameters in {@code net} (none for a network without frozen layers). */
    public static FrozenParameters of(ComputationGraph net) {
        Map<String, Map<String, INDArray>> values = new LinkedHashMap<>();
        for (Layer layer : net.getLayers()) {
            if (layer instanceof FrozenLayer) {
                Map<String, INDArray> params = new LinkedHashMap<>();
                layer.paramTable().forEach((key, value) -> params.put(key, value.dup()));
                values.put(layer.conf().getLayer().getLayerName(), params);
            }
        }
        return new FrozenParameters(values);
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** Puts the copied values back into {@code net}'s frozen layers. */
    public void restore(ComputationGraph net) {
        values.forEach((layer, params) -> params.forEach((key, value) -> net.getLayer(layer).getParam(key).assign(value)));
    }
}
