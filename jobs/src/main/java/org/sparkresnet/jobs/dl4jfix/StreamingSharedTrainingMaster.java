package org.sparkresnet.jobs.dl4jfix;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaRDDLike;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithmReducer;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingResult;
import org.nd4j.common.base.Preconditions;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithm;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ResidualPostProcessor;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.RepartitionStrategy;
import org.deeplearning4j.spark.api.Repartitioner;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;

/**
 * Gradient sharing that streams its epoch: dl4j-spark 1.0.0-M2's SharedTrainingMaster, which caches and counts the
 * whole float epoch before training, fixed.
 *
 * <p>Its executeTrainingDirect persists the training RDD (Builder default MEMORY_ONLY_SER) and then calls
 * {@code trainingData.count()}, only to log the count in training stats: a full pass that reads, augments and
 * decodes every minibatch before the first one is trained, and keeps the float epoch in executor memory (602 KB per
 * 3x224x224 image). This master persists nothing and returns the count as unknown (-1) without running a job;
 * training itself is upstream's.
 *
 * <p>It also collects the epoch's results without a shuffle that grows with the data. Upstream's processResults
 * treeAggregates one result per task, each carrying the worker's whole updater state (2 x 4 bytes per parameter for
 * Adam: 2.2 MB for ResNet-20, 205 MB for ResNet-50), and the tree's shuffles write about that much per task: 48 MB
 * for a 30,000-image Fashion-MNIST epoch in 15 tasks, and for ImageNet (1,281 shards) some 130 GB of ResNet-50 state
 * per epoch. Here each task returns its score and threshold state, and only the last partition's task (scheduled
 * last, so its worker's state is the epoch's newest) returns the updater state: the driver receives one state and
 * nothing is shuffled. Upstream averaged the workers' states; any one worker's is as valid a state to checkpoint
 * (the workers keep their own for the next epoch). Tested in StreamingSharedTrainingMasterTest.
 */
public final class StreamingSharedTrainingMaster extends SharedTrainingMaster {
    private static final long serialVersionUID = 1L;

    StreamingSharedTrainingMaster(VoidConfiguration voidConfiguration, Integer numWorkers, RDDTrainingApproach rddTrainingApproach,
                                  boolean collectTrainingStats, RepartitionStrategy repartitionStrategy, Repartition repartition,
                                  ThresholdAlgorithm thresholdAlgorithm, ResidualPostProcessor residualPostProcessor,
                                  int rddDataSetNumExamples, int batchSizePerWorker, long debugLongerIterations, int numWorkersPerNode,
                                  int workerPrefetchBatches, Repartitioner repartitioner, Boolean workerTogglePeriodicGC,
                                  Integer workerPeriodicGCFrequency, boolean encodingDebugMode) {
        super(voidConfiguration, numWorkers, rddTrainingApproach, null, collectTrainingStats, repartitionStrategy, repartition,
                thresholdAlgorithm, residualPostProcessor, rddDataSetNumExamples, batchSizePerWorker, debugLongerIterations,
                numWorkersPerNode, workerPrefetchBatches, repartitioner, workerTogglePeriodicGC, workerPeriodicGCFrequency,
                encodingDebugMode);
    }

    /** Upstream counts the RDD here (a full pass over the data) for its stats alone. */
    @Override
    protected <T, R extends JavaRDDLike<T, R>> long getTotalDataSetObjectCount(JavaRDDLike<T, R> trainingData) {
        return -1;
    }

    /** Upstream's processResults without its treeAggregate of every task's updater state (see the class comment). */
    @Override
    protected void processResults(SparkDl4jMultiLayer network, SparkComputationGraph graph, JavaRDD<SharedTrainingResult> results) {
        Preconditions.checkState(network != null || graph != null, "Both MLN & CG are null");
        Preconditions.checkState(setupDone, "Setup was not completed before trying to process results");
        EpochResults epoch = EpochResults.collect(results);
        finalizeTraining(); // after the tasks have run, as upstream
        INDArray state = network != null ? network.getNetwork().getUpdater() == null ? null : network.getNetwork().getUpdater().getStateViewArray()
                : graph.getNetwork().getUpdater() == null ? null : graph.getNetwork().getUpdater().getStateViewArray();
        if (epoch.updaterState() != null && state != null) {
            state.assign(epoch.updaterState());
        }
        if (network != null) {
            network.getNetwork().setScore(epoch.meanScore());
        } else {
            graph.getNetwork().setScore(epoch.meanScore());
        }
        if (epoch.thresholdAlgorithm() != null) {
            this.thresholdAlgorithm = epoch.thresholdAlgorithm(); // adaptive algorithms carry their state into the next epoch
        }
        Nd4j.getExecutioner().commit();
    }

    /** An epoch's task results as the driver needs them: the last partition's updater state, mean score, reduced threshold. */
    record EpochResults(INDArray updaterState, double meanScore, ThresholdAlgorithm thresholdAlgorithm, int tasks) {
        static EpochResults collect(JavaRDD<SharedTrainingResult> results) {
            int last = results.getNumPartitions() - 1;
            List<SharedTrainingResult> slim = results.mapPartitionsWithIndex((index, it) -> {
                List<SharedTrainingResult> kept = new ArrayList<>();
                while (it.hasNext()) {
                    SharedTrainingResult r = it.next();
                    if (index != last) {
                        r.setUpdaterStateArray(null);
                    }
                    r.setSparkTrainingStats(null);
                    r.setListenerMetaData(null);
                    r.setListenerStaticInfo(null);
                    r.setListenerUpdates(null);
                    kept.add(r);
                }
                return kept.iterator();
            }, true).collect();
            INDArray state = null;
            double scores = 0;
            int counted = 0;
            ThresholdAlgorithmReducer reducer = null;
            for (SharedTrainingResult r : slim) {
                if (r.getUpdaterStateArray() != null) {
                    state = r.getUpdaterStateArray();
                }
                scores += r.getScoreSum();
                counted += Math.max(1, r.getAggregationsCount());
                if (r.getThresholdAlgorithm() != null) {
                    if (reducer == null) {
                        reducer = r.getThresholdAlgorithm().newReducer();
                    }
                    reducer.add(r.getThresholdAlgorithm());
                }
            }
            return new EpochResults(state, counted == 0 ? 0 : scores / counted, reducer == null ? null : reducer.getFinalResult(), slim.size());
        }
    }

    /** What the epoch's RDD is persisted with: nothing. */
    public StorageLevel storageLevel() {
        return storageLevel;
    }

    /** SharedTrainingMaster.Builder, building this master; its storageLevel setting is ignored (never persisted). */
    public static final class Builder extends SharedTrainingMaster.Builder {
        public Builder(VoidConfiguration voidConfiguration, int rddDataSetNumExamples) {
            super(voidConfiguration, rddDataSetNumExamples);
        }

        @Override
        public StreamingSharedTrainingMaster build() {
            StreamingSharedTrainingMaster master = new StreamingSharedTrainingMaster(voidConfiguration, numWorkers, rddTrainingApproach,
                    collectTrainingStats, repartitionStrategy, repartition, thresholdAlgorithm, residualPostProcessor,
                    rddDataSetNumExamples, batchSize, debugLongerIterations, numWorkersPerNode, workerPrefetchNumBatches, repartitioner,
                    workerTogglePeriodicGC, workerPeriodicGCFrequency, encodingDebugMode);
            if (transport != null) {
                master.transport = transport;
            }
            return master;
        }
    }
}
