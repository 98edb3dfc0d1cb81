package org.sparkresnet.jobs.eval;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.sparkresnet.data.ShardedDataset;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.jobs.store.ModelStore;

import java.util.Arrays;

/** The evaluate job's library half: loads a saved model and evaluates it on a prepared split with Spark. */
public final class Evaluator {
    private static final int BATCH = 128;

    private Evaluator() {
    }

    public static SparkEvaluation.Result run(JavaSparkContext sc, String modelUri, String splitUri) {
        Configuration conf = sc.hadoopConfiguration();
        SplitManifest split = SplitManifest.read(splitUri, conf);
        ComputationGraph net = ModelStore.load(new Path(modelUri), conf);
        long[] expected = {split.shape().channels(), split.shape().height(), split.shape().width()};
        long[] modelInput = net.getConfiguration().getNetworkInputTypes().get(0).getShape(false);
        if (!Arrays.equals(expected, modelInput)) {
            throw new IllegalArgumentException("model " + modelUri + " takes input " + Arrays.toString(modelInput)
                    + " but split " + splitUri + " holds images " + Arrays.toString(expected));
        }
        long modelClasses = net.getOutputLayer(0).getParam("b").length();
        if (modelClasses != split.labelNames().size()) {
            throw new IllegalArgumentException("model " + modelUri + " predicts " + modelClasses + " classes but split "
                    + splitUri + " has " + split.labelNames().size());
        }
        SparkComputationGraph sparkNet = new SparkComputationGraph(sc, net, new ParameterAveragingTrainingMaster.Builder(BATCH).build());
        return SparkEvaluation.evaluate(sparkNet, ShardedDataset.minibatches(sc, splitUri, BATCH, -1), split.labelNames());
    }
}
