package org.sparkresnet.jobs.dl4jfix;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.jobs.ChildJvm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * dl4j's Aeron transport and the shared-memory folders of its media driver, with real drivers in child JVMs: as
 * shipped, a JVM that exits normally leaves its folder behind and a killed one leaves its whole log buffers; with
 * {@link AeronDirectories} the folder goes at exit and a dead driver's folder is removed by the next launch on the
 * host, while a running driver's, a starting one's and other folders stay.
 */
class AeronDirectoriesTest {
    @TempDir
    Path tmp;

    @Test
    void dl4jTransportLeavesItsFolderAtExitAndTheFixDeletesIt() throws Exception {
        Path stock = tmp.resolve("aeron-stock");
        Process p = child("transport", stock.toString(), String.valueOf(freeUdpPort()), "stock");
        assertEquals(0, finish(p), "the stock child exits normally");
        assertTrue(Files.exists(stock.resolve("cnc.dat")), "dl4j closes its media driver at exit but leaves the folder: " + stock);

        Path fixed = tmp.resolve("aeron-fixed");
        Process q = child("transport", fixed.toString(), String.valueOf(freeUdpPort()), "fixed");
        assertEquals(0, finish(q), "the fixed child exits normally");
        assertFalse(Files.exists(fixed), "with delete-on-shutdown the folder goes with the driver: " + fixed);
    }

    @Test
    void removesOnlyFoldersOfDriversWhoseProcessIsGoneAndThatAreNotStarting() throws Exception {
        Path base = tmp.resolve("aeron-test");
        Path dead = sibling(base);
        Path live = sibling(base);
        Process killed = child("driver", dead.toString());
        Process running = child("driver", live.toString());
        try {
            awaitReady(killed);
            awaitReady(running);
            long deadPid = killed.pid();
            killed.destroyForcibly().waitFor();
            assertTrue(Files.exists(dead.resolve("cnc.dat")), "a killed driver leaves its folder");
            assertEquals(deadPid, AeronDirectories.driverPid(dead).orElse(-1), "the CnC file records the driver's process");
            assertEquals(List.of(dead), AeronDirectories.foldersOf(base, deadPid));

            Path failedLaunch = Files.createDirectories(sibling(base)); // no CnC file
            Path otherName = Files.createDirectories(tmp.resolve("aeron-testing-" + UUID.randomUUID()));
            Path notADriver = Files.createDirectories(tmp.resolve("aeron-test-logs"));
            Thread.sleep(1500); // the killed driver's heartbeat is older than the 1 s timeout below

            Duration timeout = Duration.ofSeconds(1);
            assertEquals(List.of(), AeronDirectories.removeStale(base, Instant.now(), timeout),
                    "nothing younger than the grace period goes: it may be a driver still starting");

            List<AeronDirectories.Removed> removed = AeronDirectories.removeStale(base, Instant.now().plus(AeronDirectories.GRACE).plusSeconds(1), timeout);
            List<Path> removedDirs = new ArrayList<>(removed.stream().map(AeronDirectories.Removed::dir).toList());
            removedDirs.sort(null);
            List<Path> expected = new ArrayList<>(List.of(dead, failedLaunch));
            expected.sort(null);
            assertEquals(expected, removedDirs, "the dead driver's folder and the failed launch's go");
            assertTrue(removed.stream().anyMatch(r -> r.dir().equals(dead) && r.pid() == deadPid), removed.toString());
            assertTrue(Files.exists(live.resolve("cnc.dat")), "a running driver's folder stays");
            assertTrue(Files.exists(otherName) && Files.exists(notADriver), "folders of other names stay");
        } finally {
            running.destroyForcibly().waitFor();
            killed.destroyForcibly().waitFor();
        }
    }

    private static Path sibling(Path base) {
        return base.resolveSibling(base.getFileName() + "-" + UUID.randomUUID());
    }

    /** A JVM running {@link AeronChild} with this JVM's flags and class path. */
    private static Process child(String... args) throws IOException {
        return new ProcessBuilder(ChildJvm.command(List.of(), AeronChild.class, List.of(args))).redirectErrorStream(true).start();
    }

    private static void awaitReady(Process p) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line; (line = out.readLine()) != null; ) {
            seen.append(line).append('\n');
            if (line.startsWith("ready")) {
                return;
            }
        }
        throw new IllegalStateException("the child exited before its driver was ready:\n" + seen);
    }

    private static int finish(Process p) throws Exception {
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child still running:\n" + output);
        assertTrue(output.contains("ready"), "the child started its transport:\n" + output);
        return p.exitValue();
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket socket = new DatagramSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
