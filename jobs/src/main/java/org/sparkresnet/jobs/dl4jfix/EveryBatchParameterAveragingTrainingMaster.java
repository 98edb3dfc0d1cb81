package org.sparkresnet.jobs.dl4jfix;

import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.spark.impl.graph.dataset.DataSetToMultiDataSetFn;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.sparkresnet.data.stream.EpochPlan;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.deeplearning4j.spark.api.worker.ExecuteWorkerMultiDataSetFlatMap;
import org.deeplearning4j.spark.util.SparkUtils;

/**
 * The project's parameter averaging: dl4j-spark 1.0.0-M2's ParameterAveragingTrainingMaster, which silently skips
 * minibatches and rereads all data every round, fixed.
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
 * <p>It also deals the rounds' splits in one shuffle per epoch ({@link PartitionedSplits}) where upstream scanned
 * all the data once per round. Tested in ParameterAveragingSplitsTest.
 *
 * <p>The job trains through {@link #fitEpoch}: the driver cuts the epoch's minibatch references into rounds and each
 * round is read straight from the shards by its workers (one partition per worker), so nothing of the float epoch is
 * shuffled or cached. fit(JavaRDD) on in-memory minibatches still works as upstream, with the splits dealt by
 * PartitionedSplits and without upstream's MEMORY_ONLY_SER persist of the whole epoch.
 *
 * <p>The driver still advances its iteration counter by averagingFrequency per round, as upstream, whatever the
 * workers did; with balanced splits that is the iterations each worker ran, give or take the remainder.
 *
 * <p>Each round's broadcast is destroyed once the round is averaged. Upstream never releases it, so every executor
 * keeps every round's parameters and updater state (deserialized into native memory, which Spark's storage
 * accounting does not see, plus the serialized pieces) until Spark's ContextCleaner notices the Broadcast object is
 * gone, which takes a GC of the driver's heap: for ResNet-50 with Adam that is 300 MB per round per executor.
 * Tested in EveryBatchParameterAveragingTrainingMasterTest.
 */
public final class EveryBatchParameterAveragingTrainingMaster extends ParameterAveragingTrainingMaster {
    private static final long serialVersionUID = 1L;

    /** The running round's broadcast (see the class comment); null between rounds. */
    private transient Broadcast<NetBroadcastTuple> roundBroadcast;

    public EveryBatchParameterAveragingTrainingMaster(ParameterAveragingTrainingMaster.Builder builder) {
        super(builder);
        // the splits below already hold one partition per worker: repartitioning them again would cost a job per round
        this.repartition = Repartition.NumPartitionsWorkersDiffers;
        this.storageLevel = null; // upstream persists the whole float epoch (MEMORY_ONLY_SER) before splitting it
    }

    /** Builds the RDD that reads a share of an epoch's minibatches, in exactly {@code partitions} partitions. */
    public interface RoundReader {
        JavaRDD<DataSet> read(EpochPlan round, int partitions);
    }

    /**
     * One epoch of parameter averaging over {@code plan}: rounds of workers x averagingFrequency consecutive minibatches
     * (the last round takes the remainder), each read by {@code reader} into one partition per worker and trained as
     * upstream's doIteration trains a split; then the network's epoch counter advances, as SparkComputationGraph.fit's does.
     * Frozen layers (fine-tuning) get their values back after every round ({@link FrozenParameters}).
     */
    public void fitEpoch(SparkComputationGraph graph, EpochPlan plan, RoundReader reader) {
        if (numWorkers == null) {
            numWorkers = graph.getSparkContext().defaultParallelism();
        }
        int perRound = numWorkers * averagingFrequency;
        int rounds = Math.max(1, plan.size() / perRound);
        FrozenParameters frozen = FrozenParameters.of(graph.getNetwork()); // averaging moves them by rounding (see there)
        for (int r = 0; r < rounds; r++) {
            int to = r == rounds - 1 ? plan.size() : (r + 1) * perRound;
            JavaRDD<MultiDataSet> round = reader.read(plan.slice(r * perRound, to), numWorkers).map(new DataSetToMultiDataSetFn());
            doIteration(graph, round, r + 1, rounds);
            frozen.restore(graph.getNetwork());
        }
        graph.getNetwork().incrementEpochCount();
    }

    /**
     * Upstream's round (ParameterAveragingTrainingMaster.doIteration: repartition, one worker per partition, average)
     * with the workers on {@link PinnedWorkerThreads}, then its broadcast destroyed: the round's results are collected
     * and averaged by now. Training statistics (collectTrainingStats) are not collected.
     */
    @Override
    protected void doIteration(SparkComputationGraph graph, JavaRDD<MultiDataSet> split, int splitNum, int numSplits) {
        try {
            JavaRDD<MultiDataSet> partitioned = SparkUtils.repartition(split, repartition, repartitionStrategy,
                    numObjectsEachWorker(rddDataSetNumExamples), numWorkers);
            JavaRDD<ParameterAveragingTrainingResult> results = partitioned.mapPartitions(
                    PinnedWorkerThreads.wrap(new ExecuteWorkerMultiDataSetFlatMap<>(getWorkerInstance(graph))));
            processResults(null, graph, results, splitNum, numSplits);
        } finally {
            if (roundBroadcast != null) {
                roundBroadcast.destroy();
                roundBroadcast = null;
            }
        }
    }

    /** Each round's split without a scan of the whole data per round (see {@link PartitionedSplits}). */
    @Override
    protected <T> JavaRDD<T>[] getSplitRDDs(JavaRDD<T> trainingData, int totalDataSetObjectCount, int examplesPerDataSetObject) {
        return PartitionedSplits.split(trainingData, totalDataSetObjectCount, getNumDataSetObjectsPerSplit(examplesPerDataSetObject),
                numWorkers, rng.nextLong());
    }

    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkComputationGraph graph) {
        ComputationGraph net = graph.getNetwork();
        ComputationGraphConfiguration conf = net.getConfiguration();
        Broadcast<NetBroadcastTuple> broadcast = graph.getSparkContext().broadcast(
                new NetBroadcastTuple(conf, net.params(), net.getUpdater().getStateViewArray()));
        roundBroadcast = broadcast;
        WorkerConfiguration uncapped = new WorkerConfiguration(true, rddDataSetNumExamples, batchSizePerWorker, 0,
                prefetchNumBatches, collectTrainingStats);
        return new ContinuingParameterAveragingWorker(broadcast, uncapped, trainingHookList, listeners, getRouterProvider(),
                conf.getIterationCount(), conf.getEpochCount());
    }
}
