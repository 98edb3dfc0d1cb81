package org.sparkresnet.data.spark;

import org.apache.spark.Success$;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;

import java.util.BitSet;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Progress lines for one prepare stage: files done, images/s and ETA, counted as its tasks end (one task per shard, so
 * the count moves a shard at a time). Only jobs of its job group count; a task that ran twice (retry, speculation)
 * counts once.
 */
public final class PrepareProgress extends SparkListener {
    private final String label;
    private final String jobGroup;
    private final int[] filesPerTask;
    private final long totalFiles;
    private final Consumer<String> out;
    private final long intervalNanos;
    private final long startNanos = System.nanoTime();
    private final Set<Integer> stages = new HashSet<>();
    private final BitSet finishedTasks = new BitSet();
    private long filesDone;
    private long lastPrintNanos = startNanos;

    /** @param filesPerTask how many files task (partition) i decodes */
    public PrepareProgress(String label, String jobGroup, int[] filesPerTask, Consumer<String> out, double intervalSeconds) {
        this.label = label;
        this.jobGroup = jobGroup;
        this.filesPerTask = filesPerTask.clone();
        long total = 0;
        for (int files : filesPerTask) {
            total += files;
        }
        this.totalFiles = total;
        this.out = out;
        this.intervalNanos = (long) (intervalSeconds * 1e9);
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart jobStart) {
        if (jobStart.properties() != null && jobGroup.equals(jobStart.properties().getProperty("spark.jobGroup.id"))) {
            for (StageInfo stage : scala.collection.JavaConverters.seqAsJavaList(jobStart.stageInfos())) {
                stages.add(stage.stageId());
            }
        }
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        int task = taskEnd.taskInfo().index();
        if (!stages.contains(taskEnd.stageId()) || taskEnd.reason() != Success$.MODULE$ || task >= filesPerTask.length
                || finishedTasks.get(task)) {
            return;
        }
        finishedTasks.set(task);
        filesDone += filesPerTask[task];
        long now = System.nanoTime();
        if (now - lastPrintNanos >= intervalNanos) {
            lastPrintNanos = now;
            out.accept(line(now));
        }
    }

    public synchronized long filesDone() {
        return filesDone;
    }

    /** The line for now: "train: 1,024 / 10,000 files (10.2%), 312 images/s, ETA 0:00:29". */
    public synchronized String line() {
        return line(System.nanoTime());
    }

    /**
     * The last line, once the stage's job has returned: every file is done then, even if the listener bus (which
     * delivers events asynchronously) has not told this listener about the last tasks yet.
     */
    public synchronized String finish() {
        filesDone = totalFiles;
        finishedTasks.set(0, filesPerTask.length);
        return line(System.nanoTime());
    }

    private String line(long now) {
        double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
        double rate = filesDone / seconds;
        String eta = rate > 0 ? duration((totalFiles - filesDone) / rate) : "unknown";
        return String.format("%s: %,d / %,d files (%.1f%%), %,.0f images/s, ETA %s", label, filesDone, totalFiles,
                totalFiles == 0 ? 100.0 : 100.0 * filesDone / totalFiles, rate, eta);
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        return String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
}
