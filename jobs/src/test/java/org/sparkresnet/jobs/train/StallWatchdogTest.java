package org.sparkresnet.jobs.train;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkresnet.data.spark.SparkContexts;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The watchdog on real Spark (local[2], heartbeats every 300 ms): tasks that keep iterating for longer than the
 * timeout are left alone, because their running counts arrive with the executor's heartbeats; tasks that stop
 * iterating (a hang) get their job cancelled within about the timeout.
 */
class StallWatchdogTest {
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        SparkConf conf = SparkContexts.conf("StallWatchdogTest", "local[2]").set("spark.executor.heartbeatInterval", "300ms");
        sc = new JavaSparkContext(conf);
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    /** Two tasks, each adding one iteration every {@code everyMillis} for {@code iterations} times, then hanging for {@code hangMillis}. */
    private static long train(LongAccumulator counter, int iterations, long everyMillis, long hangMillis) {
        return sc.parallelize(List.of(0, 1), 2).map(task -> {
            for (int i = 0; i < iterations; i++) {
                Thread.sleep(everyMillis);
                counter.add(1);
            }
            Thread.sleep(hangMillis);
            return 1;
        }).count();
    }

    @Test
    void longTasksThatKeepIteratingAreNotAStall() {
        LongAccumulator counter = sc.sc().longAccumulator("train iterations");
        try (StallWatchdog watchdog = new StallWatchdog(sc, counter, Duration.ofMillis(1500), Duration.ofMillis(100))) {
            watchdog.arm();
            long started = System.nanoTime();
            assertEquals(2, train(counter, 40, 100, 0)); // 4 s per task, well over the 1.5 s timeout
            assertTrue(System.nanoTime() - started > 3_500_000_000L);
            watchdog.disarm();
            assertNull(watchdog.stallReason());
        }
    }

    @Test
    void tasksThatStopIteratingAreCancelledWithTheReason() {
        LongAccumulator counter = sc.sc().longAccumulator("train iterations");
        try (StallWatchdog watchdog = new StallWatchdog(sc, counter, Duration.ofMillis(1500), Duration.ofMillis(100))) {
            watchdog.arm();
            long started = System.nanoTime();
            // then a hang of 8 s (bounded, so that a task thread Spark does not interrupt frees its core for the other tests)
            Exception cancelled = assertThrows(Exception.class, () -> train(counter, 5, 100, 8_000));
            double seconds = (System.nanoTime() - started) / 1e9;
            assertTrue(seconds < 5, "cancelled after " + seconds + " s");
            assertTrue(String.valueOf(cancelled.getMessage()).contains("cancel"), cancelled.toString());
            assertTrue(watchdog.stallReason().startsWith("no training iteration on any worker for "), watchdog.stallReason());
        }
    }

    @Test
    void aDisarmedWatchdogCancelsNothing() throws Exception {
        LongAccumulator counter = sc.sc().longAccumulator("train iterations");
        try (StallWatchdog watchdog = new StallWatchdog(sc, counter, Duration.ofMillis(500), Duration.ofMillis(100))) {
            watchdog.arm();
            watchdog.disarm(); // e.g. the driver evaluates and writes a checkpoint between epochs
            assertEquals(2, train(counter, 0, 0, 1500));
            assertNull(watchdog.stallReason());
        }
    }
}
