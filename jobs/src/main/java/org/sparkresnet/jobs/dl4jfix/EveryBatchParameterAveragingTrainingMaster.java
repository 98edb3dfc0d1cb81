package org.sparkresnet.jobs.dl4jfix;

import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;

/**
 * Workaround for a dl4j-spark 1.0.0-M2 bug: ParameterAveragingTrainingMaster silently skips minibatches.
 *
 * <p>Its fit() cuts the data into random splits of about workers x averagingFrequency minibatches
 * ({@code SparkUtils.balancedRandomSplit}: the split sizes vary), spreads each split over the workers, and gives
 * every worker {@code WorkerConfiguration.maxBatchesPerWorker = averagingFrequency}. A worker whose partition holds
 * more minibatches than that stops early ({@code ExecuteWorkerFlatMap}), so the rest of its partition is never
 * trained on: measured here, 32 of 640 images in one epoch and 64 in the next.
 *
 * <p>The fix keeps everything else as upstream: it builds each round's worker as upstream does (broadcast of the
 * driver's configuration, parameters and updater state) with that cap lifted (0 = no limit), so every minibatch is
 * trained on and a worker with a larger partition simply does a few more iterations before the averaging. The
 * worker is a {@link ContinuingParameterAveragingWorker}, which continues the driver's optimiser state. Tested in
 * EveryBatchParameterAveragingTrainingMasterTest.
 *
 * <p>The driver still advances its iteration counter by averagingFrequency per round, as upstream, whatever the
 * workers did; with balanced splits that is the iterations each worker ran, give or take the remainder.
 */
public final class EveryBatchParameterAveragingTrainingMaster extends ParameterAveragingTrainingMaster {
    private static final long serialVersionUID = 1L;

    public EveryBatchParameterAveragingTrainingMaster(ParameterAveragingTrainingMaster.Builder builder) {
        super(builder);
    }

    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkComputationGraph graph) {
        ComputationGraph net = graph.getNetwork();
        ComputationGraphConfiguration conf = net.getConfiguration();
        Broadcast<NetBroadcastTuple> broadcast = graph.getSparkContext().broadcast(
                new NetBroadcastTuple(conf, net.params(), net.getUpdater().getStateViewArray()));
        WorkerConfiguration uncapped = new WorkerConfiguration(true, rddDataSetNumExamples, batchSizePerWorker, 0,
                prefetchNumBatches, collectTrainingStats);
        return new ContinuingParameterAveragingWorker(broadcast, uncapped, trainingHookList, listeners, getRouterProvider(),
                conf.getIterationCount(), conf.getEpochCount());
    }
}
