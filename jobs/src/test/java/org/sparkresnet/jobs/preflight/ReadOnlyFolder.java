package org.sparkresnet.jobs.preflight;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A folder nobody may write into, also not root (CI runs as root, which file modes do not stop): mode 555, and where
 * that is not enough the immutable attribute (chattr +i). {@link #close()} makes it writable again for the clean-up.
 * Skips the calling test (an assumption) where neither works. deploy's ITs use it too (jobs' test jar).
 */
public final class ReadOnlyFolder implements AutoCloseable {
    private final Path dir;
    private boolean immutable;

    public ReadOnlyFolder(Path dir) throws IOException, InterruptedException {
        this.dir = Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
        if (writable()) {
            immutable = new ProcessBuilder("chattr", "+i", dir.toString()).inheritIO().start().waitFor() == 0;
        }
        Assumptions.assumeFalse(writable(), "cannot make a folder read-only for this user here (root without chattr)");
    }

    public Path path() {
        return dir;
    }

    private boolean writable() {
        try {
            Files.delete(Files.createTempFile(dir, "w", ".tmp"));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (immutable) {
            new ProcessBuilder("chattr", "-i", dir.toString()).inheritIO().start().waitFor();
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
