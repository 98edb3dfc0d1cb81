package org.sparkresnet.jobs.dl4jfix;

import org.apache.spark.TaskContext;
import org.apache.spark.TaskContext$;
import org.apache.spark.api.java.function.FlatMapFunction;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs DL4J's per-partition work (a parameter averaging round, an evaluation) on a few long-lived threads of the
 * executor JVM instead of on Spark's task threads.
 *
 * <p>DL4J and ND4J keep native state per thread for the life of the thread: a network's workspaces (activations,
 * gradients, working memory: 150 MiB for ResNet-20 at batch 64, gigabytes for ResNet-50), the inference workspaces of
 * evaluation, and libnd4j's and the allocator's own per-thread memory. Spark runs tasks on a cached pool that starts a
 * new thread whenever a task is launched before the previous task's thread is back in the pool, and keeps an idle
 * thread for 60 s; once two threads of a 1-core executor take turns at the rounds, both stay alive and both hold a
 * full set. Measured with {@code resnet soak} (averaging, 1-core executors): at a random epoch an executor's
 * workspaces went from one set to two and its RSS stepped up by 350-700 MB for good.
 *
 * <p>Here a task hands its partition to an idle pinned thread (a new one only when every pinned thread is busy, so
 * there are never more than the executor's concurrent tasks) and waits for it: the per-thread state exists once per
 * task slot, reused by every round and evaluation. The task's TaskContext is set on the pinned thread while it works,
 * and an interrupted task cancels its work. Tested in PinnedWorkerThreadsTest.
 */
public final class PinnedWorkerThreads {
    private static final Deque<ExecutorService> IDLE = new ArrayDeque<>();
    private static final AtomicInteger STARTED = new AtomicInteger(); // names the threads

    private PinnedWorkerThreads() {
    }

    /** {@code partitionFunction}, run on a pinned thread; its results (one or a few per partition) are collected there. */
    public static <T, R> FlatMapFunction<Iterator<T>, R> wrap(FlatMapFunction<Iterator<T>, R> partitionFunction) {
        return partition -> {
            TaskContext task = TaskContext.get();
            return run(() -> {
                TaskContext$.MODULE$.setTaskContext(task);
                try {
                    List<R> results = new ArrayList<>();
                    partitionFunction.call(partition).forEachRemaining(results::add);
                    return results;
                } finally {
                    TaskContext$.MODULE$.unset();
                }
            }).iterator();
        };
    }

    static <V> V run(Callable<V> work) throws Exception {
        ExecutorService thread = acquire();
        try {
            Future<V> result = thread.submit(work);
            try {
                return result.get();
            } catch (InterruptedException e) {
                result.cancel(true);
                Thread.currentThread().interrupt();
                throw e;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Error error) {
                    throw error;
                }
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
        } finally {
            release(thread);
        }
    }

    private static synchronized ExecutorService acquire() {
        ExecutorService idle = IDLE.pollFirst();
        if (idle != null) {
            return idle;
        }
        int number = STARTED.incrementAndGet();
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "dl4j-pinned-worker-" + number);
            t.setDaemon(true);
            return t;
        });
    }

    private static synchronized void release(ExecutorService thread) {
        IDLE.addFirst(thread);
    }
}
