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
    private final DoubleAccumulator loopSeconds;
    private final LongAccumulator timedIterations;
    private final LongAccumulator dataWaitNanos;
    private final MaxAccumulator peakRssBytes = new MaxAccumulator();
    private final MaxAccumulator peakHeapBytes = new MaxAccumulator();

    public TrainingProgress(JavaSparkContext sc) {
        this.lossSum = sc.sc().doubleAccumulator("train loss sum");
        this.iterations = sc.sc().longAccumulator("train iterations");
        this.examples = sc.sc().longAccumulator("train examples");
        this.loopSeconds = sc.sc().doubleAccumulator("train loop seconds");
        this.timedIterations = sc.sc().longAccumulator("train timed iterations");
        this.dataWaitNanos = sc.sc().longAccumulator("train data wait nanos");
        sc.sc().register(peakRssBytes, "train worker peak RSS bytes");
        sc.sc().register(peakHeapBytes, "train worker peak heap bytes");
    }

    /** The worker-side half: serialized into the training workers with the accumulators. */
    public ProgressListener listener() {
        return new ProgressListener(lossSum, iterations, examples, loopSeconds, timedIterations, peakRssBytes, peakHeapBytes);
    }

    /** The workers' iteration counter (the {@link StallWatchdog} watches it). */
    public LongAccumulator iterations() {
        return iterations;
    }

    /** What the training data's reader adds its consumers' waiting time to (see ShardedDataset.streamed). */
    public LongAccumulator dataWaitNanos() {
        return dataWaitNanos;
    }

    /**
     * The largest resident set and heap any training worker's JVM sampled since the previous call (0 when no
     * iteration ended); and a fresh start for the next window.
     */
    public WorkerMemory takeWorkerMemoryPeaks() {
        return new WorkerMemory(peakRssBytes.getAndReset(), peakHeapBytes.getAndReset());
    }

    /** Peaks of one JVM's memory, in bytes, as the training workers sampled it after their iterations. */
    public record WorkerMemory(long rssBytes, long heapBytes) {
    }

    public Snapshot snapshot() {
        return new Snapshot(lossSum.value(), iterations.value(), examples.value(), loopSeconds.value(), timedIterations.value(),
                dataWaitNanos.value() / 1e9);
    }

    /** Cumulative totals since the run started; differences of two snapshots give a window's figures. */
    public record Snapshot(double lossSum, long iterations, long examples, double loopSeconds, long timedIterations,
                           double dataWaitSeconds) {
        public Snapshot minus(Snapshot earlier) {
            return new Snapshot(lossSum - earlier.lossSum, iterations - earlier.iterations, examples - earlier.examples,
                    loopSeconds - earlier.loopSeconds, timedIterations - earlier.timedIterations, dataWaitSeconds - earlier.dataWaitSeconds);
        }

        public double meanLoss() {
            return iterations == 0 ? Double.NaN : lossSum / iterations;
        }

        /**
         * Worker-seconds spent in the minibatch loop, summed over workers. Each task's first iteration has no
         * measured start, so the timed iterations' mean stands in for the untimed ones.
         */
        public double workerLoopSeconds() {
            return timedIterations == 0 ? Double.NaN : loopSeconds / timedIterations * iterations;
        }
    }
}
