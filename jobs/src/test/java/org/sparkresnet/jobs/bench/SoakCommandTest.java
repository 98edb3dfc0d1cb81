package org.sparkresnet.jobs.bench;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The soak's executor heap figure: what the latest collection left, which follows what stays live. */
class SoakCommandTest {
    @Test
    void heapAfterTheLatestCollectionFollowsWhatStaysLive() {
        System.gc();
        long before = SoakCommand.heapAfterLastCollections();
        assertTrue(before > 0 && before <= Runtime.getRuntime().maxMemory(), "a heap figure: " + before);
        List<long[]> kept = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            kept.add(new long[1 << 17]); // 64 MiB that stays live
        }
        System.gc();
        long after = SoakCommand.heapAfterLastCollections();
        assertTrue(after - before >= 60L << 20, "64 MiB kept live shows: " + before + " -> " + after);
        kept.clear();
        System.gc();
        assertTrue(SoakCommand.heapAfterLastCollections() < after - (60L << 20), "and goes once it is garbage");
    }
}
