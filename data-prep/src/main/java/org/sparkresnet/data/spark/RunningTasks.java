package org.sparkresnet.data.spark;

import org.apache.spark.SparkExecutorInfo;
import org.apache.spark.api.java.JavaSparkContext;

import java.time.Duration;
import java.util.Arrays;

/**
 * Waiting for the tasks of a failed job. When one task fails, Spark fails the job at once but lets the stage's
 * other running tasks finish; a task that is writing a shard then writes it after the driver cleaned up, and leaves
 * a half-written split behind. Cleanup waits here first.
 */
public final class RunningTasks {
    private RunningTasks() {
    }

    /** Returns when no executor runs a task any more, or after {@code limit} (then cleanup goes ahead anyway). */
    public static void awaitNone(JavaSparkContext sc, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (running(sc) > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static int running(JavaSparkContext sc) {
        SparkExecutorInfo[] executors = sc.sc().statusTracker().getExecutorInfos();
        return Arrays.stream(executors).mapToInt(SparkExecutorInfo::numRunningTasks).sum();
    }
}
