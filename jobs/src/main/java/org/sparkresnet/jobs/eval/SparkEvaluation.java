package org.sparkresnet.jobs.eval;

import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkresnet.jobs.dl4jfix.PinnedEvaluation;

import java.util.List;

/**
 * Distributed classification evaluation: executors evaluate their partitions (on pinned threads, see
 * {@link PinnedEvaluation}), the driver merges the results.
 */
public final class SparkEvaluation {
    /** Top-5 accuracy is reported where it means something: more than 10 classes. */
    public static final int TOP5_MIN_CLASSES = 11;
    private static final int EVAL_BATCH = 128;

    private SparkEvaluation() {
    }

    public record Result(Evaluation top1, Evaluation top5) {
        public double accuracy() {
            return top1.accuracy();
        }

        /** NaN where the class count is too small for top-5 to be reported. */
        public double top5Accuracy() {
            return top5 == null ? Double.NaN : top5.topNAccuracy();
        }
    }

    public static Result evaluate(SparkComputationGraph net, JavaRDD<DataSet> data, List<String> labelNames) {
        if (labelNames.size() >= TOP5_MIN_CLASSES) {
            Evaluation[] both = PinnedEvaluation.evaluate(net, data, EVAL_BATCH, new Evaluation(labelNames, 1), new Evaluation(labelNames, 5));
            return new Result(both[0], both[1]);
        }
        return new Result(PinnedEvaluation.evaluate(net, data, EVAL_BATCH, new Evaluation(labelNames, 1))[0], null);
    }
}
