package org.sparkresnet.jobs.dl4jfix;

import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;

import java.lang.reflect.Field;

/**
 * Workaround for a dl4j-spark 1.0.0-M2 bug: ParameterAveragingTrainingMaster silently skips minibatches.
 *
 * <p>Its fit() cuts the data into random splits of about workers x averagingFrequency minibatches
 * ({@code SparkUtils.balancedRandomSplit}: the split sizes vary), spreads each split over the workers, and gives
 * every worker {@code WorkerConfiguration.maxBatchesPerWorker = averagingFrequency}. A worker whose partition holds
 * more minibatches than that stops early ({@code ExecuteWorkerFlatMap}), so the rest of its partition is never
 * trained on: measured here, 32 of 640 images in one epoch and 64 in the next.
 *
 * <p>The fix keeps everything else as upstream and lifts only that cap (0 = no limit) in the worker each split
 * sends out, so every minibatch is trained on and a worker with a larger partition simply does a few more
 * iterations before the averaging. Tested in EveryBatchParameterAveragingTrainingMasterTest.
 */
public final class EveryBatchParameterAveragingTrainingMaster extends ParameterAveragingTrainingMaster {
    private static final long serialVersionUID = 1L;

    public EveryBatchParameterAveragingTrainingMaster(ParameterAveragingTrainingMaster.Builder builder) {
        super(builder);
    }

    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkComputationGraph graph) {
        ParameterAveragingTrainingWorker worker = super.getWorkerInstance(graph);
        WorkerConfiguration capped = worker.getDataConfiguration();
        WorkerConfiguration uncapped = new WorkerConfiguration(capped.isGraphNetwork(), capped.getDataSetObjectSizeExamples(),
                capped.getBatchSizePerWorker(), 0, capped.getPrefetchNumBatches(), capped.isCollectTrainingStats());
        replaceConfiguration(worker, uncapped);
        return worker;
    }

    private static void replaceConfiguration(ParameterAveragingTrainingWorker worker, WorkerConfiguration configuration) {
        try {
            Field field = ParameterAveragingTrainingWorker.class.getDeclaredField("configuration");
            field.setAccessible(true);
            field.set(worker, configuration);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("dl4j-spark changed: ParameterAveragingTrainingWorker.configuration not found; "
                    + "this workaround is written for dl4j-spark 1.0.0-M2", e);
        }
    }
}
