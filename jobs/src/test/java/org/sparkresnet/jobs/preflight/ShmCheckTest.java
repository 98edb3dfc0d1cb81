package org.sparkresnet.jobs.preflight;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShmCheckTest {
    @TempDir
    Path work;

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
