package org.sparkresnet.jobs.train;

import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.sparkresnet.jobs.dl4jfix.EveryBatchParameterAveragingTrainingMaster;

/** Maps the training settings to a dl4j-spark TrainingMaster. */
public final class TrainingMasters {
    private TrainingMasters() {
    }

    /** Parameter averaging that trains on every minibatch (see {@link EveryBatchParameterAveragingTrainingMaster}). */
    public static TrainingMaster<?, ?> parameterAveraging(TrainRequest request) {
        return new EveryBatchParameterAveragingTrainingMaster(stockParameterAveraging(request));
    }

    /** dl4j-spark's own builder with our settings; its build() gives the stock master, which skips minibatches. */
    public static ParameterAveragingTrainingMaster.Builder stockParameterAveraging(TrainRequest request) {
        return new ParameterAveragingTrainingMaster.Builder(request.batchSize())
                .batchSizePerWorker(request.batchSize())
                .averagingFrequency(request.averagingFrequency())
                .workerPrefetchNumBatches(2)
                // Direct: train on the RDD's minibatches as they are; the default (Export) first writes every
                // minibatch to a temporary directory, which needs a shared file system on a real cluster.
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .rngSeed(request.seed());
    }
}
