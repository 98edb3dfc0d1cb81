package org.sparkresnet.jobs.train;

import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

import java.io.Serializable;

/** Runs inside each training worker: adds every iteration's loss and minibatch size to Spark accumulators. */
public final class ProgressListener extends BaseTrainingListener implements Serializable {
    private static final long serialVersionUID = 1L;
    private final DoubleAccumulator lossSum;
    private final LongAccumulator iterations;
    private final LongAccumulator examples;

    ProgressListener(DoubleAccumulator lossSum, LongAccumulator iterations, LongAccumulator examples) {
        this.lossSum = lossSum;
        this.iterations = iterations;
        this.examples = examples;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        lossSum.add(model.score());
        iterations.add(1);
        examples.add(model.batchSize());
    }
}
