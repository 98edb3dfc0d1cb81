package org.sparkresnet.jobs.preflight;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShmCheckTest {
    private static final long TERM = ShmCheck.DL4J_TERM_BUFFER_BYTES;
    @TempDir
    Path work;

    @Test
    void logBuffersPerConnection() {
        // three terms for each publication and each image of a connection
        assertEquals(2 * 3 * TERM, ShmCheck.requiredBytes(false, 4, TERM), "an executor below the driver: one connection");
        assertEquals(9 * 2 * 3 * TERM, ShmCheck.requiredBytes(false, 20, TERM), "with more executors than the root takes, children too");
        assertEquals(4 * 2 * 3 * TERM, ShmCheck.requiredBytes(true, 4, TERM));
        assertEquals(8 * 2 * 3 * TERM, ShmCheck.requiredBytes(true, 100, TERM), "the root has at most 8 children");
    }

    @Test
    void aWritableFolderWithRoomPasses() {
        Check check = ShmCheck.evaluate("e", work, 1024);
        assertEquals(Check.Status.PASS, check.status(), check.toString());
    }

    @Test
    void tooLittleSpaceFailsWithTheSizeNeeded() {
        Check check = ShmCheck.evaluate("e", work, Long.MAX_VALUE / 4);
        assertEquals(Check.Status.FAIL, check.status());
        assertTrue(check.advice().contains("--shm-size") && check.advice().contains("aeron.term.buffer.length"), check.advice());
    }

    @Test
    void aMissingOrReadOnlyFolderFails() throws Exception {
        Check missing = ShmCheck.evaluate("e", work.resolve("shm"), 1);
        assertEquals(Check.Status.FAIL, missing.status());
        assertTrue(missing.detail().contains("does not exist"), missing.detail());
        try (ReadOnlyFolder folder = new ReadOnlyFolder(work.resolve("ro"))) {
            Check readOnly = ShmCheck.evaluate("e", folder.path(), 1);
            assertEquals(Check.Status.FAIL, readOnly.status());
            assertTrue(readOnly.detail().contains("is not writable"), readOnly.detail());
        }
    }
}
