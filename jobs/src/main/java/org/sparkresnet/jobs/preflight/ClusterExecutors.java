package org.sparkresnet.jobs.preflight;

import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.status.api.v1.ExecutorSummary;
import scala.collection.JavaConverters;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/** The executors registered with the driver, and a bounded wait for the number the settings ask for. */
public final class ClusterExecutors {
    private static final String DRIVER = "driver"; // SparkContext.DRIVER_IDENTIFIER
    /** When the count is not known exactly: how long it must stay the same before preflight takes it as complete. */
    static final Duration SETTLE = Duration.ofSeconds(5);
    private static final long POLL_MILLIS = 200;

    private ClusterExecutors() {
    }

    /** What the wait ended with. {@code masterGaveUp}: the context stopped (the master refused or never answered). */
    public record Wait(List<ExecutorRef> executors, boolean masterGaveUp, long waitedMillis) {
    }

    /** The active executors now, the driver left out, by id (the status store lists what the scheduler registered). */
    public static List<ExecutorRef> registered(JavaSparkContext sc) {
        List<ExecutorRef> executors = new ArrayList<>();
        for (ExecutorSummary summary : JavaConverters.seqAsJavaList(sc.sc().statusStore().executorList(true))) {
            if (!DRIVER.equals(summary.id())) {
                String hostPort = summary.hostPort();
                int colon = hostPort.lastIndexOf(':');
                executors.add(new ExecutorRef(summary.id(), colon > 0 ? hostPort.substring(0, colon) : hostPort));
            }
        }
        executors.sort(Comparator.comparing((ExecutorRef e) -> e.id().length()).thenComparing(ExecutorRef::id));
        return executors;
    }

    /**
     * Waits until {@code expected.count()} executors have registered (and, when the count is not exact, the number has
     * not changed for {@link #SETTLE}), or {@code timeout} passed, or the context stopped. Under dynamic allocation,
     * executors come for pending tasks, so a job of {@code expected.count()} short tasks keeps asking for them meanwhile.
     */
    public static Wait await(JavaSparkContext sc, ExpectedExecutors expected, Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        boolean dynamic = sc.getConf().getBoolean("spark.dynamicAllocation.enabled", false);
        JavaFutureAction<Void> demand = null;
        List<ExecutorRef> executors = registered(sc);
        int lastCount = executors.size();
        long lastChange = System.nanoTime();
        try {
            while (!sc.sc().isStopped()) {
                executors = registered(sc);
                if (executors.size() != lastCount) {
                    lastCount = executors.size();
                    lastChange = System.nanoTime();
                }
                boolean enough = executors.size() >= expected.count();
                boolean settled = expected.exact() || System.nanoTime() - lastChange >= SETTLE.toNanos();
                if ((enough && settled) || System.nanoTime() > deadline) {
                    break;
                }
                if (dynamic && executors.size() < expected.count() && (demand == null || demand.isDone())) {
                    int tasks = expected.count();
                    demand = sc.parallelize(IntStream.range(0, tasks).boxed().toList(), tasks).foreachAsync(i -> Thread.sleep(1_000));
                }
                Thread.sleep(POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (demand != null && !demand.isDone()) {
                demand.cancel(true);
            }
        }
        return new Wait(sc.sc().isStopped() ? List.of() : registered(sc), sc.sc().isStopped(), (System.nanoTime() - start) / 1_000_000);
    }
}
