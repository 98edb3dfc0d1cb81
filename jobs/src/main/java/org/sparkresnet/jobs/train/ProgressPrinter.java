package org.sparkresnet.jobs.train;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

import java.io.PrintStream;
import java.time.Duration;

/**
 * Prints progress lines on the driver (epoch, iteration, loss, images/s, ETA) as training tasks finish, at most
 * once per interval, and hands every task end to the run's {@link IterationRecorder} (if it has one), which keeps the
 * per-iteration metrics. A SparkListener, because the driver thread is blocked inside fit() while workers train.
 */
public final class ProgressPrinter extends SparkListener {
    private final TrainingProgress progress;
    private final PrintStream out;
    private final long intervalNanos;
    private final int epochs;
    private final long examplesPerEpoch;
    private final IterationRecorder recorder;
    private volatile int epoch;
    private volatile TrainingProgress.Snapshot epochStart;
    private volatile long epochStartNanos;
    private TrainingProgress.Snapshot lastPrinted;
    private long lastPrintNanos;

    public ProgressPrinter(TrainingProgress progress, PrintStream out, Duration interval, int epochs, long examplesPerEpoch) {
        this(progress, out, interval, epochs, examplesPerEpoch, null);
    }

    /** @param recorder told of every epoch start, task end and epoch end; null for none */
    public ProgressPrinter(TrainingProgress progress, PrintStream out, Duration interval, int epochs, long examplesPerEpoch,
                           IterationRecorder recorder) {
        this.recorder = recorder;
        this.progress = progress;
        this.out = out;
        this.intervalNanos = interval.toNanos();
        this.epochs = epochs;
        this.examplesPerEpoch = examplesPerEpoch;
    }

    public synchronized void startEpoch(int epochNumber) {
        this.epoch = epochNumber;
        this.epochStart = progress.snapshot();
        this.lastPrinted = epochStart;
        this.epochStartNanos = System.nanoTime();
        this.lastPrintNanos = epochStartNanos;
        if (recorder != null) {
            recorder.startEpoch(epochNumber);
        }
    }

    /** After the epoch's training (fit has returned, so every task's accumulator updates have reached the driver). */
    public void endEpoch() {
        if (recorder != null) {
            recorder.endEpoch();
        }
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        if (epochStart == null) {
            return;
        }
        if (recorder != null) {
            recorder.taskEnded();
        }
        long now = System.nanoTime();
        if (now - lastPrintNanos < intervalNanos) {
            return;
        }
        TrainingProgress.Snapshot current = progress.snapshot();
        TrainingProgress.Snapshot window = current.minus(lastPrinted);
        if (window.iterations() == 0) {
            return;
        }
        TrainingProgress.Snapshot inEpoch = current.minus(epochStart);
        double seconds = (now - epochStartNanos) / 1e9;
        double imagesPerSecond = inEpoch.examples() / Math.max(seconds, 1e-9);
        long remaining = (long) (epochs - epoch) * examplesPerEpoch + Math.max(0, examplesPerEpoch - inEpoch.examples());
        out.printf("epoch %d/%d  iteration %d  examples %d/%d  loss %.4f  %.1f images/s  ETA %s%n",
                epoch, epochs, current.iterations(), inEpoch.examples(), examplesPerEpoch, window.meanLoss(),
                imagesPerSecond, formatDuration(remaining / Math.max(imagesPerSecond, 1e-9)));
        out.flush();
        lastPrinted = current;
        lastPrintNanos = now;
    }

    static String formatDuration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60)
                : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
