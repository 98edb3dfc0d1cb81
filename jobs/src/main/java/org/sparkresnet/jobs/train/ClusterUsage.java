package org.sparkresnet.jobs.train;

import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

import java.util.HashMap;
import java.util.Map;

/**
 * What a stretch of the job cost the cluster, from Spark's own task and executor metrics: the shuffle bytes its tasks
 * wrote and read, and each executor's peak memory, as the resident set of its process tree (heap plus ND4J's native
 * arrays) and as JVM heap. {@link #take()} returns the figures since the previous call and starts a new window.
 * <p>
 * Memory comes from two sources, and a window reports the larger. Spark's executor metrics (which need
 * {@code spark.executor.processTreeMetrics.enabled}; SparkContexts sets it) see the whole process tree and every
 * phase, but only through polls: a task's peaks are the polls that landed while it ran, so a window of short tasks (an
 * epoch of a few seconds of averaging rounds) can end with none, and one failed {@code pgrep} stops Spark's
 * process-tree readings for the JVM's life (ProcfsMetricsGetter). The training workers' own samples, taken after every
 * iteration ({@link TrainingProgress#takeWorkerMemoryPeaks()}), never miss a window that trained.
 */
public final class ClusterUsage extends SparkListener {
    private static final String RSS = "ProcessTreeJVMRSSMemory";
    private static final String HEAP = "JVMHeapMemory";
    private static final String DRIVER = "driver"; // SparkContext.DRIVER_IDENTIFIER

    private long shuffleWriteBytes;
    private long shuffleReadBytes;
    private final Map<String, long[]> peaks = new HashMap<>();
    private final TrainingProgress sampled;

    /** @param sampled the run's progress, whose workers sample their memory */
    public ClusterUsage(TrainingProgress sampled) {
        this.sampled = sampled;
    }

    /** A window's figures: shuffle bytes, and the largest peak of any one executor (0 when not reported). */
    public record Window(long shuffleWriteBytes, long shuffleReadBytes, long peakExecutorRssBytes, long peakExecutorHeapBytes) {
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
        if (end.taskMetrics() != null) {
            shuffleWriteBytes += end.taskMetrics().shuffleWriteMetrics().bytesWritten();
            shuffleReadBytes += end.taskMetrics().shuffleReadMetrics().totalBytesRead();
        }
        if (end.taskExecutorMetrics() != null && end.taskInfo() != null) {
            record(end.taskInfo().executorId(), end.taskExecutorMetrics());
        }
    }

    @Override
    public synchronized void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
        update.executorUpdates().values().foreach(metrics -> {
            record(update.execId(), metrics);
            return null;
        });
    }

    private void record(String executor, ExecutorMetrics metrics) {
        long[] peak = peaks.computeIfAbsent(executor, e -> new long[2]);
        peak[0] = Math.max(peak[0], metrics.getMetricValue(RSS));
        peak[1] = Math.max(peak[1], metrics.getMetricValue(HEAP));
    }

    /** {@link #take()} once Spark's listener bus has delivered the events of the tasks that have ended (up to 30 s). */
    public Window takeWhenDelivered(org.apache.spark.api.java.JavaSparkContext sc) {
        try {
            sc.sc().listenerBus().waitUntilEmpty(30_000);
        } catch (java.util.concurrent.TimeoutException e) {
            // a busy bus: the window may miss the last few task events, which the next window then counts
        }
        return take();
    }

    public synchronized Window take() {
        long rss = 0;
        long heap = 0;
        // the driver reports too: in local[N] it is the executor, but with executors of their own (local-cluster starts
        // them as its child processes) its process tree would count them all
        boolean executorsReported = peaks.keySet().stream().anyMatch(id -> !DRIVER.equals(id));
        for (Map.Entry<String, long[]> entry : peaks.entrySet()) {
            if (executorsReported && DRIVER.equals(entry.getKey())) {
                continue;
            }
            long[] peak = entry.getValue();
            rss = Math.max(rss, peak[0]);
            heap = Math.max(heap, peak[1]);
        }
        TrainingProgress.WorkerMemory workers = sampled.takeWorkerMemoryPeaks();
        Window window = new Window(shuffleWriteBytes, shuffleReadBytes, Math.max(rss, workers.rssBytes()),
                Math.max(heap, workers.heapBytes()));
        shuffleWriteBytes = 0;
        shuffleReadBytes = 0;
        peaks.clear();
        return window;
    }
}
