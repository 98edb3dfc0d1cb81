package org.sparkresnet.jobs.train;

import org.sparkresnet.jobs.metrics.IterationMetrics;

import java.util.function.Consumer;
import java.util.function.IntToDoubleFunction;

/**
 * Turns the run's {@link TrainingProgress} into {@link IterationMetrics} points while an epoch trains.
 * <p>
 * Granularity: the driver only sees the workers' accumulator values when a task ends (Spark merges a task's
 * accumulator updates into the driver's copies as it finishes), so a point is the honest unit of what ended since the
 * previous one. {@link #taskEnded()} records a point at a task end once at least {@code every} iterations have ended
 * since the last point (so at most one point per {@code every} iterations, fewer when tasks are longer: with averaging
 * a task is averagingFrequency minibatches of one worker, with sharing a whole partition), and {@link #endEpoch()}
 * always records the rest of the epoch, so every epoch ends on a point and its points' iterations add up to the
 * epoch's.
 */
public final class IterationRecorder {
    /** Points at most every 10 iterations: fine curves without making metrics.json large on long runs. */
    public static final int DEFAULT_EVERY = 10;

    private final TrainingProgress progress;
    private final int every;
    private final long iterationOffset;
    private final long examplesOffset;
    private final IntToDoubleFunction learningRate;
    private final Consumer<IterationMetrics> sink;
    private int epoch;
    private boolean inEpoch;
    private TrainingProgress.Snapshot last;
    private long lastNanos;

    /**
     * @param every           at most one point per this many iterations (besides each epoch's last)
     * @param iterationOffset iterations done before this run's {@code progress} started counting (a resumed run's
     *                        earlier epochs), so that iteration numbers continue across resumes
     * @param examplesOffset  images trained on before, likewise
     * @param learningRate    the learning rate of a 1-based epoch
     * @param sink            receives each point, on the thread that closed it (Spark's listener bus, or the caller of
     *                        {@link #endEpoch()})
     */
    public IterationRecorder(TrainingProgress progress, int every, long iterationOffset, long examplesOffset,
                             IntToDoubleFunction learningRate, Consumer<IterationMetrics> sink) {
        TrainRequest.require(every >= 1, "--metrics-every must be at least 1, got " + every);
        this.progress = progress;
        this.every = every;
        this.iterationOffset = iterationOffset;
        this.examplesOffset = examplesOffset;
        this.learningRate = learningRate;
        this.sink = sink;
    }

    public synchronized void startEpoch(int epochNumber) {
        epoch = epochNumber;
        inEpoch = true;
        last = progress.snapshot();
        lastNanos = System.nanoTime();
    }

    /** At a task end: a point when {@code every} iterations have ended since the last one. */
    public synchronized void taskEnded() {
        if (!inEpoch) {
            return;
        }
        TrainingProgress.Snapshot now = progress.snapshot();
        if (now.iterations() - last.iterations() >= every) {
            record(now);
        }
    }

    /** After the epoch's training: a point with whatever iterations ended since the last one. */
    public synchronized void endEpoch() {
        if (!inEpoch) {
            return;
        }
        TrainingProgress.Snapshot now = progress.snapshot();
        if (now.iterations() > last.iterations()) {
            record(now);
        }
        inEpoch = false;
    }

    private void record(TrainingProgress.Snapshot now) {
        long nanos = System.nanoTime();
        TrainingProgress.Snapshot window = now.minus(last);
        double seconds = Math.max((nanos - lastNanos) / 1e9, 1e-9);
        double loop = window.workerLoopSeconds();
        double dataWaitShare = loop > 0 ? window.dataWaitSeconds() / loop : Double.NaN;
        sink.accept(new IterationMetrics(epoch, iterationOffset + now.iterations(), examplesOffset + now.examples(), window.iterations(),
                window.meanLoss(), learningRate.applyAsDouble(epoch), window.examples() / seconds, dataWaitShare,
                System.currentTimeMillis() / 1000.0));
        last = now;
        lastNanos = nanos;
    }
}
