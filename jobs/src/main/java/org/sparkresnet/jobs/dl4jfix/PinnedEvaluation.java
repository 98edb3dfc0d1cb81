package org.sparkresnet.jobs.dl4jfix;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.evaluation.IEvaluateAggregateFunction;
import org.deeplearning4j.spark.impl.multilayer.evaluation.IEvaluateFlatMapFunction;
import org.deeplearning4j.spark.util.SparkUtils;
import org.nd4j.evaluation.IEvaluation;
import org.nd4j.linalg.dataset.DataSet;

/**
 * dl4j-spark 1.0.0-M2's SparkComputationGraph.doEvaluation with two changes: each partition is evaluated on a
 * {@link PinnedWorkerThreads} thread (evaluation builds the network and its inference workspaces in the thread it runs
 * on), and its two broadcasts (configuration, parameters) are destroyed once the results are in, where upstream left
 * them on every executor until a GC of the driver's heap (one copy of the parameters per evaluation).
 */
public final class PinnedEvaluation {
    private PinnedEvaluation() {
    }

    @SafeVarargs
    public static <T extends IEvaluation> T[] evaluate(SparkComputationGraph net, JavaRDD<DataSet> data, int batchSize, T... evaluations) {
        JavaSparkContext sc = net.getSparkContext();
        Broadcast<String> configuration = sc.broadcast(net.getNetwork().getConfiguration().toJson());
        Broadcast<byte[]> parameters = SparkUtils.asByteArrayBroadcast(sc, net.getNetwork().params());
        try {
            JavaRDD<T[]> perPartition = data.mapPartitions(PinnedWorkerThreads.wrap(new IEvaluateFlatMapFunction<>(true, configuration,
                    parameters, net.getDefaultEvaluationWorkers(), batchSize, evaluations)));
            return perPartition.treeAggregate(null, new IEvaluateAggregateFunction<>(), new IEvaluateAggregateFunction<>());
        } finally {
            configuration.destroy();
            parameters.destroy();
        }
    }
}
