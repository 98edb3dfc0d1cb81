package org.sparkresnet.jobs.dl4jfix;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AeronTermLengthTest {
    @Test
    void everyJvmConnectsToEveryOtherAndExecutorsToThemselves() {
        // as counted in /dev/shm: 2 executors -> an executor keeps 3 publications; 4 -> 5; the driver of 4 -> 4
        assertEquals(3, AeronTermLength.connections(false, 2));
        assertEquals(5, AeronTermLength.connections(false, 4));
        assertEquals(4, AeronTermLength.connections(true, 4));
        long mib = 1L << 20;
        assertEquals(17 * 2 * 3 * 4 * mib, AeronTermLength.sharedMemoryBytes(false, 16, AeronTermLength.DEFAULT_BYTES),
                "an executor of 16: 408 MiB with our terms");
        assertEquals(17 * 2 * 3 * 32 * mib, AeronTermLength.sharedMemoryBytes(false, 16, 32 * mib), "3.2 GiB with dl4j's");
    }

    @Test
    void ourDefaultUnlessTheJvmFlagsChoseALength() {
        String before = System.getProperty(AeronTermLength.PROPERTY);
        try {
            System.clearProperty(AeronTermLength.PROPERTY);
            AeronTermLength.applyDefault();
            assertEquals(String.valueOf(4 << 20), System.getProperty(AeronTermLength.PROPERTY));
            System.setProperty(AeronTermLength.PROPERTY, String.valueOf(16 << 20));
            AeronTermLength.applyDefault();
            assertEquals(16L << 20, AeronTermLength.current(), "a user's -D stays");
            System.setProperty(AeronTermLength.PROPERTY, "lots");
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, AeronTermLength::current);
            assertTrue(bad.getMessage().contains("-Daeron.term.buffer.length=lots"), bad.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(AeronTermLength.PROPERTY);
            } else {
                System.setProperty(AeronTermLength.PROPERTY, before);
            }
        }
    }
}
