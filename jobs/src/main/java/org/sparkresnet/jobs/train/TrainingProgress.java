package org.sparkresnet.jobs.train;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;

/**
 * Training progress counted on the executors and read on the driver: Spark accumulators that the worker-side
 * {@link ProgressListener} adds to after every iteration, merged into these driver copies at each task end.
 */
public final class TrainingProgress {
    private final DoubleAccumulator lossSum;
    private final LongAccumulator iterations;
    private final LongAccumulator examples;

    public TrainingProgress(JavaSparkContext sc) {
        this.lossSum = sc.sc().doubleAccumulator("train loss sum");
        this.iterations = sc.sc().longAccumulator("train iterations");
        this.examples = sc.sc().longAccumulator("train examples");
    }

    /** The worker-side half: serialized into the training workers with the accumulators. */
    public ProgressListener listener() {
        return new ProgressListener(lossSum, iterations, examples);
    }

    public Snapshot snapshot() {
        return new Snapshot(lossSum.value(), iterations.value(), examples.value());
    }

    /** Cumulative totals since the run started; differences of two snapshots give a window's figures. */
    public record Snapshot(double lossSum, long iterations, long examples) {
        public Snapshot minus(Snapshot earlier) {
            return new Snapshot(lossSum - earlier.lossSum, iterations - earlier.iterations, examples - earlier.examples);
        }

        public double meanLoss() {
            return iterations == 0 ? Double.NaN : lossSum / iterations;
        }
    }
}
