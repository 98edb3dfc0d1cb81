package org.sparkresnet.jobs.train;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

import java.io.PrintStream;
import java.time.Duration;

/**
 * Prints progress lines on the driver (epoch, iteration, loss, images/s, ETA) as training tasks finish, at most
 * once per interval. A SparkListener, because the driver thread is blocked inside fit() while workers train.
 */
public final class ProgressPrinter extends SparkListener {
    private final TrainingProgress progress;
    private final PrintStream out;
    private final long intervalNanos;
    private final int epochs;
    private final long examplesPerEpoch;
    private volatile int epoch;
    private volatile TrainingProgress.Snapshot epochStart;
    private volatile long epochStartNanos;
    private TrainingProgress.Snapshot lastPrinted;
    private long lastPrintNanos;

    public ProgressPrinter(TrainingProgress progress, PrintStream out, Duration interval, int epochs, long examplesPerEpoch) {
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
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        if (epochStart == null) {
            return;
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
