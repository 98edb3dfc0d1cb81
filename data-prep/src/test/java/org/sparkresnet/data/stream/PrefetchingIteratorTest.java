package org.sparkresnet.data.stream;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrefetchingIteratorTest {
    /** 0..n-1, each taking {@code millis} to produce; flags when it is producing. */
    static final class Slow implements Iterator<Integer> {
        final int n;
        final long millis;
        final AtomicBoolean producing = new AtomicBoolean();
        int next;

        Slow(int n, long millis) {
            this.n = n;
            this.millis = millis;
        }

        @Override
        public boolean hasNext() {
            return next < n;
        }

        @Override
        public Integer next() {
            producing.set(true);
            try {
                long end = System.nanoTime() + millis * 1_000_000;
                while (System.nanoTime() < end) {
                    Thread.onSpinWait(); // busy, as decoding is: an interrupt does not cut it short
                }
                return next++;
            } finally {
                producing.set(false);
            }
        }
    }

    @Test
    void deliversEveryElementInOrderAndCountsTheWait() {
        AtomicLong waited = new AtomicLong();
        List<Integer> got = new ArrayList<>();
        try (PrefetchingIterator<Integer> it = new PrefetchingIterator<>(new Slow(5, 20), 2, waited::addAndGet, "test")) {
            it.forEachRemaining(got::add);
        }
        assertEquals(List.of(0, 1, 2, 3, 4), got);
        assertTrue(waited.get() >= 50_000_000L, "a consumer faster than the source waits for it: " + waited.get() + " ns");
    }

    @Test
    void aFailureOfTheSourceReachesTheConsumer() {
        Iterator<Integer> failing = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Integer next() {
                throw new IllegalStateException("shard-00003.bin: truncated");
            }
        };
        PrefetchingIterator<Integer> it = new PrefetchingIterator<>(failing, 2, n -> { }, "test");
        IllegalStateException e = assertThrows(IllegalStateException.class, it::next);
        assertEquals("shard-00003.bin: truncated", e.getMessage());
    }

    /** A task that stops early (first(), a failure) closes while the thread is still producing: close waits for it. */
    @Test
    void closeWaitsForTheProducerSoTheSourceCanBeClosed() {
        Slow source = new Slow(100, 200);
        PrefetchingIterator<Integer> it = new PrefetchingIterator<>(source, 2, n -> { }, "test");
        assertEquals(0, it.next());
        it.close();
        assertFalse(source.producing.get(), "the producer was still reading when close() returned");
    }
}
