package org.sparkresnet.jobs.dl4jfix;

import io.aeron.CncFileDescriptor;
import io.aeron.CommonContext;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Work-around for DL4J's Aeron transport leaking its media driver's folder in shared memory. Every JVM of a
 * gradient-sharing run (the driver and each executor) launches an embedded Aeron media driver in a folder of its own,
 * {@code /dev/shm/aeron-USER-UUID}. dl4j's AeronUdpTransport closes the driver in a shutdown hook but never asks it to
 * delete that folder, and a JVM killed with SIGKILL runs no hook at all. So every run left 8 MiB of RAM-backed files
 * per JVM, and every killed executor its log buffers too (585 MiB measured), on every host, until the host reboots:
 * a nightly schedule fills the executors' memory, and on a test machine the leaked buffers got an executor killed by
 * the kernel's out-of-memory killer.
 *
 * <p>{@link #beforeMediaDriverLaunch()} runs in each JVM just before its driver starts. It asks Aeron to delete the
 * folder when the driver closes ({@code aeron.dir.delete.on.shutdown}, unless the JVM's flags set it) and removes the
 * folders of drivers whose process is gone: a folder is stale when its driver's heartbeat is older than Aeron's
 * driver timeout and the process id it records no longer exists (or the heartbeat is {@link #FROZEN} old, a process
 * id reused). Folders younger than {@link #GRACE} (a driver still starting) and other users' folders are left alone.
 */
public final class AeronDirectories {
    private static final Logger LOG = LoggerFactory.getLogger(AeronDirectories.class);
    /** Aeron's own property; read by the media driver's context when DL4J creates it. */
    static final String DELETE_ON_SHUTDOWN = "aeron.dir.delete.on.shutdown";
    /** A folder this young may belong to a driver still writing its CnC file (a matter of milliseconds). */
    static final Duration GRACE = Duration.ofSeconds(15);
    /** Heartbeat older than this: the driver is not running, whoever holds its process id now. */
    static final Duration FROZEN = Duration.ofMinutes(5);
    private static final Pattern UUID_SUFFIX = Pattern.compile("-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final AtomicBoolean DONE = new AtomicBoolean();

    private AeronDirectories() {
    }

    /** Once per JVM, before DL4J launches its media driver: delete-on-shutdown on, and stale folders removed. */
    public static void beforeMediaDriverLaunch() {
        if (!DONE.compareAndSet(false, true)) {
            return;
        }
        if (System.getProperty(DELETE_ON_SHUTDOWN) == null) {
            System.setProperty(DELETE_ON_SHUTDOWN, "true");
        }
        Path base = Path.of(CommonContext.getAeronDirectoryName());
        try {
            List<Removed> removed = removeStale(base, Instant.now());
            if (!removed.isEmpty()) {
                LOG.warn("removed {} Aeron folder(s) in shared memory left by media drivers whose process is gone: {}", removed.size(), removed);
            }
        } catch (RuntimeException e) { // tidying must never stop training
            LOG.warn("could not look for stale Aeron folders beside {}: {}", base, e.toString());
        }
    }

    /** A removed folder and the process id its driver recorded (-1: none). */
    public record Removed(Path dir, long pid) {
        @Override
        public String toString() {
            return dir + " (pid " + pid + ")";
        }
    }

    /**
     * Removes the stale folders that media drivers launched with {@code base} as their Aeron directory name left beside
     * it ({@code base-UUID}, as Aeron names an embedded driver's folder).
     */
    public static List<Removed> removeStale(Path base, Instant now) {
        return removeStale(base, now, Duration.ofMillis(CommonContext.DRIVER_TIMEOUT_MS));
    }

    /** {@link #removeStale(Path, Instant)} with a driver timeout of the caller's choosing (tests). */
    static List<Removed> removeStale(Path base, Instant now, Duration driverTimeout) {
        List<Removed> removed = new ArrayList<>();
        for (Path dir : driverFolders(base)) {
            try {
                OptionalLong pid = driverPid(dir);
                if (Files.isWritable(dir) && isStale(dir, pid, now, driverTimeout)) {
                    deleteTree(dir);
                    removed.add(new Removed(dir, pid.orElse(-1)));
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("left Aeron folder {}: {}", dir, e.toString());
            }
        }
        return removed;
    }

    /** The folders beside {@code base} named as Aeron names an embedded driver's ({@code base-UUID}). */
    private static List<Path> driverFolders(Path base) {
        Path parent = base.toAbsolutePath().getParent();
        String prefix = base.getFileName().toString();
        if (parent == null || !Files.isDirectory(parent)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(parent)) {
            return list.filter(p -> isDriverFolderOf(prefix, p.getFileName().toString()) && Files.isDirectory(p)).toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + parent + ": " + e.getMessage(), e);
        }
    }

    static boolean isDriverFolderOf(String prefix, String name) {
        return name.startsWith(prefix) && UUID_SUFFIX.matcher(name.substring(prefix.length())).matches();
    }

    /** Stale: not being started, no recent heartbeat, and its process gone (or silent for {@link #FROZEN}). */
    static boolean isStale(Path dir, OptionalLong pid, Instant now, Duration driverTimeout) throws IOException {
        Path cnc = dir.resolve(CncFileDescriptor.CNC_FILE);
        FileTime modified = Files.getLastModifiedTime(Files.exists(cnc) ? cnc : dir);
        if (modified.toInstant().isAfter(now.minus(GRACE))) {
            return false;
        }
        if (!Files.exists(cnc)) {
            return true; // a launch that failed before writing its CnC file
        }
        File folder = dir.toFile();
        if (CommonContext.isDriverActive(folder, driverTimeout.toMillis(), message -> { })) {
            return false;
        }
        boolean processGone = pid.isEmpty() || ProcessHandle.of(pid.getAsLong()).map(p -> !p.isAlive()).orElse(true);
        return processGone || !CommonContext.isDriverActive(folder, FROZEN.toMillis(), message -> { });
    }

    /** The process id the media driver wrote into its CnC file, if the file is whole. */
    public static OptionalLong driverPid(Path dir) {
        File cnc = dir.resolve(CncFileDescriptor.CNC_FILE).toFile();
        if (!cnc.isFile() || cnc.length() < CncFileDescriptor.META_DATA_LENGTH) {
            return OptionalLong.empty();
        }
        MappedByteBuffer mapped = IoUtil.mapExistingFile(cnc, "Aeron CnC file");
        try {
            UnsafeBuffer meta = CncFileDescriptor.createMetaDataBuffer(mapped);
            if (meta.getIntVolatile(CncFileDescriptor.cncVersionOffset(0)) == 0) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(meta.getLong(CncFileDescriptor.pidOffset(0)));
        } finally {
            IoUtil.unmap(mapped);
        }
    }

    /** The Aeron folders beside {@code base} whose media driver recorded {@code pid}. */
    public static List<Path> foldersOf(Path base, long pid) {
        return driverFolders(base).stream().filter(p -> driverPid(p).orElse(-1) == pid).toList();
    }

    private static void deleteTree(Path dir) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(dir)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : paths) {
            Files.deleteIfExists(p);
        }
    }
}
