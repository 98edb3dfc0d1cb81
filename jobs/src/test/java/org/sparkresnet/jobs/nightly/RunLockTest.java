package org.sparkresnet.jobs.nightly;

import org.sparkresnet.data.fs.RunLock;
import org.sparkresnet.data.fs.SmallFiles;
import org.sparkresnet.data.fs.LockHeldException;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The date lock on the local file system: atomic creation, refusal, stale takeover, heartbeat; and the gate's arithmetic. */
class RunLockTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration STALE = Duration.ofSeconds(60);

    @TempDir
    java.nio.file.Path dir;

    private final SmallFiles files = new SmallFiles(new Configuration());
    private final List<String> log = new ArrayList<>();

    private Path lock() {
        return new Path(dir.resolve("locks/dt=2024-05-01.lock").toUri());
    }

    private void writeLock(String host, long pid, Instant started) throws Exception {
        Files.createDirectories(dir.resolve("locks"));
        Files.writeString(dir.resolve("locks/dt=2024-05-01.lock"),
                JSON.writeValueAsString(new RunLock.Holder(host, pid, started.toString(), "someone-else")));
    }

    private RunLock acquire(Duration heartbeat) throws Exception {
        return RunLock.acquire(files, lock(), "date 2026-12-07", STALE, heartbeat, Clock.systemUTC(), log::add);
    }

    @Test
    void secondAcquireRefusesNamingTheHolderAndCloseReleases() throws Exception {
        try (RunLock first = acquire(Duration.ofSeconds(10))) {
            LockHeldException refused = assertThrows(LockHeldException.class, () -> acquire(Duration.ofSeconds(10)));
            assertTrue(refused.getMessage().contains("pid " + ProcessHandle.current().pid()), refused.getMessage());
            assertTrue(refused.getMessage().contains("host " + RunLock.thisHost()), refused.getMessage());
            assertTrue(first.stillHeld());
        }
        assertFalse(Files.exists(dir.resolve("locks/dt=2024-05-01.lock")));
        assertFalse(Files.exists(dir.resolve("locks/dt=2024-05-01.lock.heartbeat")));
        acquire(Duration.ofSeconds(10)).close(); // free again
    }

    @Test
    void lockOfADeadProcessOnThisHostIsTakenOver() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        writeLock(RunLock.thisHost(), gone.pid(), Instant.now());
        try (RunLock taken = acquire(Duration.ofSeconds(10))) {
            assertTrue(taken.stillHeld());
            assertTrue(log.get(0).contains("process " + gone.pid() + " is not running on this host"), log.toString());
        }
    }

    @Test
    void lockOfAnotherHostIsStaleOnlyWhenItsHeartbeatIsOld() throws Exception {
        writeLock("elsewhere.example", 1234, Instant.now().minusSeconds(5));
        LockHeldException refused = assertThrows(LockHeldException.class, () -> acquire(Duration.ofSeconds(10)));
        assertTrue(refused.getMessage().contains("host elsewhere.example, pid 1234"), refused.getMessage());

        // an old start, but a fresh heartbeat with the holder's token: still alive
        writeLock("elsewhere.example", 1234, Instant.now().minusSeconds(3600));
        Files.writeString(dir.resolve("locks/dt=2024-05-01.lock.heartbeat"),
                JSON.writeValueAsString(new RunLock.Heartbeat("someone-else", Instant.now().toString())));
        assertThrows(LockHeldException.class, () -> acquire(Duration.ofSeconds(10)));

        // the heartbeat stops: stale after the bound
        Files.writeString(dir.resolve("locks/dt=2024-05-01.lock.heartbeat"),
                JSON.writeValueAsString(new RunLock.Heartbeat("someone-else", Instant.now().minusSeconds(120).toString())));
        try (RunLock taken = acquire(Duration.ofSeconds(10))) {
            assertTrue(taken.stillHeld());
            assertTrue(log.get(0).contains("no heartbeat for 12"), log.toString());
        }
    }

    @Test
    void heartbeatIsRefreshedWhileHeldAndALostLockIsNoticed() throws Exception {
        try (RunLock held = acquire(Duration.ofMillis(100))) {
            String first = Files.readString(dir.resolve("locks/dt=2024-05-01.lock.heartbeat"));
            Thread.sleep(450);
            String later = Files.readString(dir.resolve("locks/dt=2024-05-01.lock.heartbeat"));
            assertNotEquals(first, later);
            assertEquals(held.holder().token(), JSON.readTree(later).path("token").asText());
            writeLock("elsewhere.example", 1, Instant.now()); // taken over by another process
            Thread.sleep(350);
            assertFalse(held.stillHeld());
            assertTrue(held.lost());
        }
        assertTrue(Files.exists(dir.resolve("locks/dt=2024-05-01.lock")), "close leaves another holder's lock alone");
    }

    @Test
    void unreadableYoungLockRefuses() throws Exception {
        Files.createDirectories(dir.resolve("locks"));
        Files.writeString(dir.resolve("locks/dt=2024-05-01.lock"), "{\"host\":"); // being written
        assertThrows(LockHeldException.class, () -> acquire(Duration.ofSeconds(10)));
    }

    @Test
    void gateComparesWithTheTolerance() {
        QualityGate gate = new QualityGate(0.01);
        assertTrue(gate.decide(0.5, OptionalDouble.empty()).passed());
        assertEquals("first", gate.decide(0.5, OptionalDouble.empty()).verdict());
        assertTrue(gate.decide(0.80, OptionalDouble.of(0.81)).passed());
        assertFalse(gate.decide(0.79, OptionalDouble.of(0.81)).passed());
        assertFalse(new QualityGate(-0.05).decide(0.84, OptionalDouble.of(0.80)).passed(), "negative tolerance: must improve by 5 points");
        assertThrows(IllegalArgumentException.class, () -> new QualityGate(2));
    }

    @Test
    void failuresMapToExitCodes() {
        org.apache.spark.SparkException wrapped = new org.apache.spark.SparkException("Job aborted",
                new RuntimeException(new org.sparkresnet.data.DataPrepException("x.jpg: truncated JPEG")));
        assertEquals(NightlyCommand.EXIT_BAD_DATA, NightlyCommand.exitCode(wrapped));
        assertEquals(NightlyCommand.EXIT_TEMPORARY, NightlyCommand.exitCode(new org.apache.spark.SparkException("executor lost")));
        assertEquals(NightlyCommand.EXIT_TEMPORARY, NightlyCommand.exitCode(new java.io.UncheckedIOException(new java.io.IOException("NameNode down"))));
        assertEquals(NightlyCommand.EXIT_TEMPORARY, NightlyCommand.exitCode(new LockHeldException("held")));
        assertEquals(NightlyCommand.EXIT_BAD_USAGE, NightlyCommand.exitCode(new IllegalArgumentException("--epochs must be at least 1")));
        assertEquals(1, NightlyCommand.exitCode(new NullPointerException()));
    }
}
