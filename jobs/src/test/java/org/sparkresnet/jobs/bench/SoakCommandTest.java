package org.sparkresnet.jobs.bench;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The soak's heap figure follows what stays live, and nothing else. */
class SoakCommandTest {
    @Test
    void theLiveHeapFollowsWhatStaysLive() {
        long before = SoakCommand.liveHeapAndOffHeap()[0];
        assertTrue(before > 0 && before <= Runtime.getRuntime().maxMemory(), "a heap figure: " + before);
        List<long[]> kept = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            kept.add(new long[1 << 17]); // 64 MiB that stays live
        }
        long after = SoakCommand.liveHeapAndOffHeap()[0];
        assertTrue(after - before >= 60L << 20, "64 MiB kept live shows: " + before + " -> " + after);
        kept.clear();
        assertTrue(SoakCommand.liveHeapAndOffHeap()[0] < after - (60L << 20), "and goes once it is garbage");
    }
}
