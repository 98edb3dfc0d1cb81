package org.sparkresnet.data.fs;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The lock a prepare or train run holds on its output folder ({@code OUTPUT/_lock}, a name readers skip), so that a
 * second job given the same output is refused with the first one's host, process and start time instead of both
 * writing into it. A lock left by a dead process is taken over: on the same host when its pid is gone, elsewhere
 * when its heartbeat (every {@link #HEARTBEAT}) is older than {@link #STALE_AFTER}. On S3 the lock file's creation
 * is not atomic (Hadoop 3.3's S3A has no conditional create), so two jobs started in the same instant may both
 * pass; HDFS and local disks are exact.
 */
public final class OutputLock {
    public static final String FILE_NAME = "_lock";
    public static final Duration HEARTBEAT = Duration.ofSeconds(30);
    public static final Duration STALE_AFTER = Duration.ofMinutes(3);

    private OutputLock() {
    }

    /** Takes the output's lock, or throws {@link LockHeldException} naming the holder; {@code log} hears of takeovers. */
    public static Held acquire(Path output, Configuration conf, Consumer<String> log) {
        try {
            SmallFiles files = new SmallFiles(conf);
            boolean existed = files.exists(output);
            return new Held(RunLock.acquire(files, new Path(output, FILE_NAME), "output " + output, STALE_AFTER, HEARTBEAT,
                    Clock.systemUTC(), log), files, existed ? null : output);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot take the lock " + new Path(output, FILE_NAME) + ": " + e.getMessage(), e);
        }
    }

    /**
     * A held output lock; closing releases it (unchecked, so that it fits try-with-resources in any job) and removes
     * the output folder again if the lock created it and the run left it empty (a run refused for bad input).
     */
    public record Held(RunLock lock, SmallFiles files, Path createdOutput) implements AutoCloseable {
        @Override
        public void close() {
            try {
                lock.close();
                if (createdOutput != null && files.list(createdOutput).isEmpty()) {
                    files.delete(createdOutput, false);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot release the output lock: " + e.getMessage(), e);
            }
        }
    }
}
