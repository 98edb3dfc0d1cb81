package org.sparkresnet.jobs.dl4jfix;

import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.core.storage.StatsStorageRouterProvider;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;

import java.util.Collection;

/**
 * Workaround for dl4j-spark 1.0.0-M2 parameter averaging (with DL4J M2.1): a worker does not continue the driver's
 * optimiser state, so Spark training with one worker differs from single-machine training on the same data.
 *
 * <ul>
 *   <li>The worker builds its network from {@code ComputationGraphConfiguration.clone()}, which copies neither
 *       {@code iterationCount} nor {@code epochCount}. The updater reads both from there, so every averaging round on
 *       every worker runs as iteration 0 of epoch 0: an epoch-based learning-rate schedule (our warm-up and decay)
 *       never leaves epoch 0's rate, and Adam's bias correction restarts each round.</li>
 *   <li>The builder's {@code saveUpdater} defaults to false (its Javadoc says "enabled by default"): workers then
 *       return no updater state, the driver keeps its initial (zero) Adam moments, sends them out again every
 *       round, and saves them in every checkpoint.</li>
 * </ul>
 * The two bugs half-hide each other (zero moments with a restarted step count are a consistent fresh Adam), so they
 * are fixed together: this worker sets the driver's counters, taken when the master creates the worker for a round,
 * on its network, and always returns its updater state. Shown by SparkMatchesSingleMachineTest.
 */
public final class ContinuingParameterAveragingWorker extends ParameterAveragingTrainingWorker {
    private static final long serialVersionUID = 1L;

    private final int iterationCount;
    private final int epochCount;

    public ContinuingParameterAveragingWorker(Broadcast<NetBroadcastTuple> broadcast, WorkerConfiguration configuration,
                                              Collection<TrainingHook> hooks, Collection<TrainingListener> listeners,
                                              StatsStorageRouterProvider routerProvider, int iterationCount, int epochCount) {
        super(broadcast, true, configuration, hooks, listeners, routerProvider);
        this.iterationCount = iterationCount;
        this.epochCount = epochCount;
    }

    @Override
    public ComputationGraph getInitialModelGraph() {
        ComputationGraph net = super.getInitialModelGraph();
        net.getConfiguration().setIterationCount(iterationCount);
        net.getConfiguration().setEpochCount(epochCount);
        return net;
    }
}
