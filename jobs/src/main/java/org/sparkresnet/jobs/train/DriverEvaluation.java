package org.sparkresnet.jobs.train;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.sparkresnet.jobs.eval.SparkEvaluation;

import java.util.List;

/**
 * Evaluates on the driver, one minibatch at a time, for gradient-sharing runs.
 *
 * <p>Why not Spark: in a JVM that has run SharedTrainingMaster (measured in local[2]), dl4j-spark's distributed
 * evaluation ({@code SparkComputationGraph.doEvaluation} through its EvaluationRunner) fails with "NaN present in
 * predictions" for every batch, and later evaluations can hang, while the same parameters, configuration and data
 * give finite outputs on the driver, and even in an executor task with a network built by hand. The cause was not
 * found; the driver path is exact and costs one inference pass over the test split.
 */
public final class DriverEvaluation {
    private DriverEvaluation() {
    }

    public static SparkEvaluation.Result evaluate(ComputationGraph net, DataSetIterator data, List<String> labelNames) {
        Evaluation top1 = new Evaluation(labelNames, 1);
        Evaluation top5 = labelNames.size() >= SparkEvaluation.TOP5_MIN_CLASSES ? new Evaluation(labelNames, 5) : null;
        while (data.hasNext()) {
            org.nd4j.linalg.dataset.DataSet batch = data.next();
            org.nd4j.linalg.api.ndarray.INDArray predictions = net.outputSingle(false, batch.getFeatures());
            top1.eval(batch.getLabels(), predictions);
            if (top5 != null) {
                top5.eval(batch.getLabels(), predictions);
            }
        }
        return new SparkEvaluation.Result(top1, top5);
    }
}
