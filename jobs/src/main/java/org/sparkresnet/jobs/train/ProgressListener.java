package org.sparkresnet.jobs.train;

import org.apache.spark.util.DoubleAccumulator;
import org.bytedeco.javacpp.Pointer;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.lang.management.ManagementFactory;

/**
 * Runs inside each training worker: adds every iteration's loss and minibatch size to Spark accumulators, and the
 * time from one iteration's end to the next within a task (the minibatch loop: fetching the prefetched minibatch,
 * forward, backward, update and, in sharing mode, encoding the update). Time outside the loop (broadcasts, worker
 * set-up, averaging, task scheduling) is what distribution costs on top of compute. After each iteration it also samples
 * its JVM's resident set and heap into maximum accumulators, the memory figures that do not depend on Spark's executor
 * metrics polls landing inside short tasks (see {@link ClusterUsage}).
 *
 * <p>Spark counts an accumulator update only through the copy that arrived with the task that is running, so an
 * iteration is counted through that copy (see {@link TaskCopies}), whichever model the listener sits on.
 */
public final class ProgressListener extends BaseTrainingListener implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final TaskCopies<ProgressListener> COPIES = new TaskCopies<>();

    private final DoubleAccumulator lossSum;
    private final LongAccumulator iterations;
    private final LongAccumulator examples;
    private final DoubleAccumulator loopSeconds;
    private final LongAccumulator timedIterations;
    private final MaxAccumulator peakRssBytes;
    private final MaxAccumulator peakHeapBytes;
    /** End of this copy's previous iteration; the first iteration of a task has no start to time from. */
    private transient long previousIterationEnd;

    ProgressListener(DoubleAccumulator lossSum, LongAccumulator iterations, LongAccumulator examples,
                     DoubleAccumulator loopSeconds, LongAccumulator timedIterations, MaxAccumulator peakRssBytes,
                     MaxAccumulator peakHeapBytes) {
        this.lossSum = lossSum;
        this.iterations = iterations;
        this.examples = examples;
        this.loopSeconds = loopSeconds;
        this.timedIterations = timedIterations;
        this.peakRssBytes = peakRssBytes;
        this.peakHeapBytes = peakHeapBytes;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        ProgressListener sink = COPIES.current(this);
        sink.lossSum.add(model.score());
        sink.iterations.add(1);
        sink.examples.add(model.batchSize());
        long now = System.nanoTime();
        if (sink.previousIterationEnd != 0) {
            sink.loopSeconds.add((now - sink.previousIterationEnd) / 1e9);
            sink.timedIterations.add(1);
        }
        sink.previousIterationEnd = now;
        // JavaCPP reads the process's resident set from /proc/self/statm (0 where it cannot): a few microseconds
        sink.peakRssBytes.add(Pointer.physicalBytes());
        sink.peakHeapBytes.add(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        COPIES.register(this);
    }
}
