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

    /**
     * Returns when no executor runs a task any more, or after {@code limit} (then cleanup goes ahead anyway). The
     * running counts come from Spark's status store, which the listener bus feeds behind the scheduler: right after a
     * job failed it may not have heard of tasks that started, and read 0 while they still write (a clean-clone CI run
     * left a straggler's folder so). So the bus is drained before every look.
     */
    public static void awaitNone(JavaSparkContext sc, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (running(sc, deadline) > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static int running(JavaSparkContext sc, long deadline) {
        try {
            sc.sc().listenerBus().waitUntilEmpty(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        } catch (java.util.concurrent.TimeoutException e) {
            // a bus still busy at the deadline: count what it has delivered
        }
        SparkExecutorInfo[] executors = sc.sc().statusTracker().getExecutorInfos();
        return Arrays.stream(executors).mapToInt(SparkExecutorInfo::numRunningTasks).sum();
    }
}
