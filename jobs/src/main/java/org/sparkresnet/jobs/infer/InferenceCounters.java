package org.sparkresnet.jobs.infer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What this JVM's network calls did: how many calls, how many images they took, the largest batch. Read by tests
 * (local masters run the tasks in the test's JVM) to see that rows travel in batches, never one image per call.
 */
public final class InferenceCounters {
    private static final AtomicLong CALLS = new AtomicLong();
    private static final AtomicLong IMAGES = new AtomicLong();
    private static final AtomicLong LARGEST = new AtomicLong();

    private InferenceCounters() {
    }

    static void record(int batch) {
        CALLS.incrementAndGet();
        IMAGES.addAndGet(batch);
        LARGEST.accumulateAndGet(batch, Math::max);
    }

    public static long calls() {
        return CALLS.get();
    }

    public static long images() {
        return IMAGES.get();
    }

    public static long largestBatch() {
        return LARGEST.get();
    }

    public static void reset() {
        CALLS.set(0);
        IMAGES.set(0);
        LARGEST.set(0);
    }
}
