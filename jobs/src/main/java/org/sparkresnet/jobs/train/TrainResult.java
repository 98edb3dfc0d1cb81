package org.sparkresnet.jobs.train;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.sparkresnet.jobs.metrics.EpochMetrics;

import java.util.List;

/** What a finished training run produced and where it put it. */
public record TrainResult(ComputationGraph network, String modelUri, String metricsUri, List<EpochMetrics> epochs) {
    public EpochMetrics last() {
        return epochs.get(epochs.size() - 1);
    }
}
