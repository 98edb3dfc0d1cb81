package org.sparkresnet.jobs.preflight;

import org.sparkresnet.jobs.dl4jfix.AeronTermLength;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The folder where Aeron's media driver keeps its files (/dev/shm/aeron-USER on Linux, or the parent of -Daeron.dir):
 * it must exist, be writable and hold the log buffers, three terms per publication and per image of every connection
 * ({@link AeronTermLength}). Docker gives containers 64 MB of /dev/shm, Kubernetes pods whatever is mounted there.
 */
public final class ShmCheck {
    static final String NAME = "dev-shm";
    static final Path DEV_SHM = Path.of("/dev/shm");
    private ShmCheck() {
    }

    /** Where Aeron puts its files in this JVM. */
    public static Path aeronParent() {
        String dir = System.getProperty("aeron.dir");
        if (dir != null && !dir.isBlank()) {
            Path parent = Path.of(dir).toAbsolutePath().getParent();
            return parent == null ? Path.of(dir) : parent;
        }
        return DEV_SHM;
    }

    public static Check evaluate(String where, Path dir, long requiredBytes) {
        if (!Files.isDirectory(dir)) {
            return Check.fail(where, NAME, dir + " does not exist: Aeron's media driver keeps its log buffers there",
                    "mount a tmpfs at " + dir + " (Kubernetes: an emptyDir with medium: Memory; Docker: --shm-size), or point"
                            + " -Daeron.dir at a writable folder in the executors' JVM flags");
        }
        try {
            Path probe = Files.createTempFile(dir, "sparkresnet-preflight-", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            return Check.fail(where, NAME, dir + " is not writable: " + e.getMessage(),
                    "make " + dir + " writable for the executors' user (mode 1777, as Linux sets it), or point -Daeron.dir at a"
                            + " writable folder");
        }
        long free;
        try {
            free = Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return Check.fail(where, NAME, "cannot read the free space of " + dir + ": " + e.getMessage(), "check the mount at " + dir);
        }
        String found = dir + " writable, " + MemoryCheck.mib(free) + " free, Aeron needs about " + MemoryCheck.mib(requiredBytes);
        if (free < requiredBytes) {
            return Check.fail(where, NAME, found, "enlarge " + dir + " to at least " + MemoryCheck.mib(requiredBytes)
                    + " (Docker: --shm-size; Kubernetes: an emptyDir with medium: Memory and a sizeLimit, which counts against the"
                    + " pod's memory), or lower -Daeron.term.buffer.length (a power of two, default " + MemoryCheck.mib(AeronTermLength.DEFAULT_BYTES)
                    + ") in every JVM's flags");
        }
        return Check.pass(where, NAME, found);
    }
}
