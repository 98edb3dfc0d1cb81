package org.sparkresnet.jobs.dl4jfix;

import org.apache.spark.api.java.JavaRDDLike;
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
 * training itself is upstream's. Tested in StreamingSharedTrainingMasterTest.
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
