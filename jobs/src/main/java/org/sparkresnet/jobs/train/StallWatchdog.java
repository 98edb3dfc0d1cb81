package org.sparkresnet.jobs.train;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.util.LongAccumulator;
import scala.Tuple4;
import scala.collection.JavaConverters;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Turns a hang into a failure: while an epoch trains, any new iteration on any worker counts as progress, and when
 * none is seen for the stall timeout the watchdog cancels the run's Spark jobs, so fit() returns with an error
 * instead of waiting forever (gradient sharing after a lost executor waited on its parameter server for hours).
 *
 * <p>Progress is the workers' iteration accumulator ({@link TrainingProgress}): executors report running tasks'
 * accumulator values with every heartbeat ({@code spark.executor.heartbeatInterval}, 10 s by default) and finished
 * tasks' at their end, so a long task that trains is seen to train. The timeout must be well above the heartbeat
 * interval and above one iteration's time.
 */
public final class StallWatchdog extends SparkListener implements AutoCloseable {
    private final JavaSparkContext sc;
    private final long iterationsAccumulatorId;
    private final long timeoutNanos;
    private final ScheduledExecutorService checks;
    private final Map<Long, Object> lastValuePerTask = new HashMap<>();
    private long lastProgressNanos;
    private boolean armed;
    private volatile String stalled;

    /**
     * @param iterations the workers' iteration counter
     * @param timeout    how long without a new iteration counts as a stall
     * @param checkEvery how often to look (a tenth of the timeout suits)
     */
    public StallWatchdog(JavaSparkContext sc, LongAccumulator iterations, Duration timeout, Duration checkEvery) {
        this.sc = sc;
        this.iterationsAccumulatorId = iterations.id();
        this.timeoutNanos = timeout.toNanos();
        this.checks = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "training-stall-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        sc.sc().addSparkListener(this);
        checks.scheduleAtFixedRate(this::check, checkEvery.toMillis(), checkEvery.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Starts watching (an epoch's training begins); the clock starts now. */
    public synchronized void arm() {
        armed = true;
        stalled = null;
        lastProgressNanos = System.nanoTime();
    }

    /** Stops watching (the epoch's training returned; evaluation and checkpoints are not training). */
    public synchronized void disarm() {
        armed = false;
        lastValuePerTask.clear();
    }

    /** Why the watchdog cancelled the training, or null if it did not. */
    public String stallReason() {
        return stalled;
    }

    @Override
    public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
        for (Tuple4<Object, Object, Object, scala.collection.Seq<AccumulableInfo>> task
                : JavaConverters.seqAsJavaList(update.accumUpdates())) {
            for (AccumulableInfo info : JavaConverters.seqAsJavaList(task._4())) {
                if (info.id() == iterationsAccumulatorId && info.update().isDefined()) {
                    seen((Long) task._1(), info.update().get());
                }
            }
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        if (taskEnd.taskInfo() == null) {
            return;
        }
        for (AccumulableInfo info : JavaConverters.seqAsJavaList(taskEnd.taskInfo().accumulables())) {
            if (info.id() == iterationsAccumulatorId && info.update().isDefined()) {
                seen(taskEnd.taskInfo().taskId(), info.update().get());
            }
        }
    }

    /** A task's iteration count as last reported: progress when it differs from what that task reported before. */
    private synchronized void seen(long taskId, Object value) {
        Object before = lastValuePerTask.put(taskId, value);
        if (armed && !value.equals(before) && !Long.valueOf(0).equals(value)) {
            lastProgressNanos = System.nanoTime();
        }
    }

    private void check() {
        String reason;
        synchronized (this) {
            long idle = System.nanoTime() - lastProgressNanos;
            if (!armed || stalled != null || idle < timeoutNanos) {
                return;
            }
            reason = String.format("no training iteration on any worker for %d s (stall timeout %d s)", idle / 1_000_000_000L,
                    timeoutNanos / 1_000_000_000L);
            stalled = reason;
        }
        sc.sc().cancelAllJobs();
    }

    @Override
    public void close() {
        checks.shutdownNow();
        sc.sc().removeSparkListener(this);
    }
}
