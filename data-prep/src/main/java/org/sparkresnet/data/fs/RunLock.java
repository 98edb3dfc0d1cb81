package org.sparkresnet.data.fs;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A lock held for as long as a run lasts, so that two runs never write the same thing at once: one nightly date (two
 * schedules, or a schedule and a person), one prepare or train output (two jobs given the same --output).
 *
 * <p>The lock file (e.g. {@code LOCKDIR/dt=DATE.lock}, {@code OUTPUT/_lock}) is created atomically ({@link SmallFiles#createExclusive}) and
 * holds the holder's host, pid, start time and a random token. It is never rewritten: rewriting a file on HDFS is a
 * delete and a create, and in between another scheduler could create the lock too. The holder's heartbeat goes to
 * {@code dt=DATE.lock.heartbeat} (token and time), refreshed every {@code heartbeatEvery} while the run lasts.
 *
 * <p>A lock is stale when its process is dead (same host: the pid is not running) or its heartbeat (the start
 * time, before the first beat) is older than {@code staleAfter}. A stale lock is taken over with a message: it is
 * moved aside under a unique name (a rename, so of two takers only one gets it), checked to be the stale lock and
 * not a new one taken in between, deleted, and the lock is created anew. A live lock refuses with its holder.
 */
public final class RunLock implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the lock file holds. */
    public record Holder(@JsonProperty("host") String host, @JsonProperty("pid") long pid, @JsonProperty("started") String started,
                  @JsonProperty("token") String token) {
        public String describe() {
            return "host " + host + ", pid " + pid + ", started " + started;
        }
    }

    /** What the heartbeat file holds. */
    public record Heartbeat(@JsonProperty("token") String token, @JsonProperty("time") String time) {
    }

    private final SmallFiles files;
    private final Path lock;
    private final Path heartbeatFile;
    private final Holder me;
    private final Clock clock;
    private final Consumer<String> log;
    private final ScheduledExecutorService beats;
    private volatile boolean lost;

    private RunLock(SmallFiles files, Path lock, Holder me, Clock clock, Consumer<String> log) {
        this.files = files;
        this.lock = lock;
        this.heartbeatFile = heartbeatFile(lock);
        this.me = me;
        this.clock = clock;
        this.log = log;
        this.beats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "run-lock-heartbeat");
            thread.setDaemon(true);
            return thread;
        });
    }

    public static Path heartbeatFile(Path lock) {
        return new Path(lock.getParent(), lock.getName() + ".heartbeat");
    }

    public static String thisHost() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /**
     * Takes the lock (taking over a stale one), or throws {@link LockHeldException} naming the live holder.
     *
     * @param what what the lock guards, for messages: "date 2026-12-07", "output hdfs://.../run"
     * @param log  receives the takeover message
     */
    public static RunLock acquire(SmallFiles files, Path lock, String what, Duration staleAfter, Duration heartbeatEvery, Clock clock, Consumer<String> log)
            throws IOException {
        Holder me = new Holder(thisHost(), ProcessHandle.current().pid(), clock.instant().toString(), UUID.randomUUID().toString());
        for (int tries = 0; tries < 3; tries++) {
            if (files.createExclusive(lock, json(me))) {
                RunLock taken = new RunLock(files, lock, me, clock, log);
                taken.beat();
                taken.beats.scheduleAtFixedRate(taken::beatQuietly, heartbeatEvery.toMillis(), heartbeatEvery.toMillis(), TimeUnit.MILLISECONDS);
                return taken;
            }
            Optional<String> content = files.read(lock);
            if (content.isEmpty()) {
                continue; // released between our create and our read
            }
            Holder other = parse(content.get());
            String staleBecause = staleReason(files, lock, other, staleAfter, clock);
            if (staleBecause == null) {
                throw new LockHeldException(what + " is locked by " + (other == null ? "a process whose lock file is being written" : other.describe())
                        + " (" + lock + "); a lock counts as stale when its process is gone or its heartbeat is older than "
                        + staleAfter.toSeconds() + " s");
            }
            log.accept("taking over the stale lock " + lock + " of " + (other == null ? "an unreadable lock file" : other.describe())
                    + ": " + staleBecause);
            Path aside = new Path(lock.getParent(), lock.getName() + ".stale-" + UUID.randomUUID());
            if (!files.rename(lock, aside)) {
                continue; // another process moved it first
            }
            Optional<String> moved = files.read(aside);
            if (moved.isPresent() && !moved.get().equals(content.get())) {
                // a new holder created the lock between our read and our rename: give it back
                files.rename(aside, lock);
                throw new LockHeldException(what + " was locked by another process while this one took over a stale lock (" + lock + ")");
            }
            files.delete(aside, false);
        }
        throw new LockHeldException("could not take the lock " + lock + " after 3 tries: other processes are taking it at the same time");
    }

    /** Why the lock is stale, or null when its holder is alive. */
    public static String staleReason(SmallFiles files, Path lock, Holder other, Duration staleAfter, Clock clock) throws IOException {
        Instant now = clock.instant();
        if (other == null) { // being written, or left half-written by a crash: judge by the file's age
            long modified = files.modificationTime(lock).orElse(now.toEpochMilli());
            Duration age = Duration.between(Instant.ofEpochMilli(modified), now);
            return age.compareTo(staleAfter) > 0 ? "unreadable and " + age.toSeconds() + " s old" : null;
        }
        if (other.host().equals(thisHost()) && ProcessHandle.of(other.pid()).map(p -> !p.isAlive()).orElse(true)) {
            return "process " + other.pid() + " is not running on this host";
        }
        Instant last = Instant.parse(other.started());
        Optional<String> beat = files.read(heartbeatFile(lock));
        if (beat.isPresent()) {
            try {
                Heartbeat heartbeat = JSON.readValue(beat.get(), Heartbeat.class);
                if (other.token().equals(heartbeat.token())) {
                    last = Instant.parse(heartbeat.time());
                }
            } catch (JsonProcessingException | RuntimeException e) {
                // a heartbeat being replaced: the start time stands in
            }
        }
        Duration age = Duration.between(last, now);
        return age.compareTo(staleAfter) > 0 ? "no heartbeat for " + age.toSeconds() + " s (bound " + staleAfter.toSeconds() + " s)" : null;
    }

    public static Holder parse(String content) {
        try {
            Holder holder = JSON.readValue(content, Holder.class);
            return holder.host() == null || holder.token() == null || holder.started() == null ? null : holder;
        } catch (JsonProcessingException | RuntimeException e) {
            return null;
        }
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public Holder holder() {
        return me;
    }

    /** Whether the lock file is still this process's (it is not when another process took it over as stale). */
    public boolean stillHeld() throws IOException {
        Optional<String> content = files.read(lock);
        Holder holder = content.map(RunLock::parse).orElse(null);
        return holder != null && me.token().equals(holder.token());
    }

    private void beat() throws IOException {
        files.replace(heartbeatFile, json(new Heartbeat(me.token(), clock.instant().toString())));
    }

    private void beatQuietly() {
        try {
            if (!stillHeld()) {
                if (!lost) {
                    log.accept("warning: the lock " + lock + " is no longer this process's (taken over as stale?); a run that checks lost() stops short of its commit");
                }
                lost = true;
                return;
            }
            beat();
        } catch (IOException | RuntimeException e) {
            log.accept("warning: lock heartbeat failed: " + e.getMessage());
        }
    }

    public boolean lost() {
        return lost;
    }

    /** Stops the heartbeat and deletes the lock and heartbeat files if they are still this process's. */
    @Override
    public void close() throws IOException {
        beats.shutdownNow();
        try {
            beats.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (stillHeld()) {
            files.delete(heartbeatFile, false);
            files.delete(lock, false);
        }
    }
}
