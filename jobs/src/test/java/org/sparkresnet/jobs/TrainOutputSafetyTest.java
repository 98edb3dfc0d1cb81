package org.sparkresnet.jobs;

import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.data.PrepareJob;
import org.sparkresnet.data.PrepareRequest;
import org.sparkresnet.data.fs.LockHeldException;
import org.sparkresnet.data.fs.OutputLock;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.TrainResult;
import org.sparkresnet.jobs.train.Trainer;
import org.sparkresnet.jobs.train.TrainingStalledException;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17 on the train job (real Spark local[2], real Fashion-MNIST): a failed --overwrite rerun leaves the previous
 * run byte for byte, a successful one replaces it and removes what a killed one left; a second run into a locked
 * output is refused naming the holder; the stall watchdog turns a run without progress into a message saying how
 * to resume.
 */
class TrainOutputSafetyTest {
    @TempDir
    static Path work;
    static JavaSparkContext sc;
    static String dataUri;

    @BeforeAll
    static void prepare() {
        sc = SparkContexts.create("train-output-safety-test", "local[2]");
        dataUri = work.resolve("data").toUri().toString();
        PrepareJob.run(sc, new PrepareRequest("fashion-mnist", FashionMnist.requireDir().toUri().toString(), dataUri, 64, false, 128));
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.close();
        }
    }

    private static TrainRequest request(String output, boolean overwrite, long seed) {
        return new TrainRequest(dataUri, work.resolve(output).toUri().toString(), "resnet20", 2, 32, "adam", 2e-3, 0.9, 0, 2, seed, overwrite);
    }

    private static Trainer trainer(ByteArrayOutputStream printed) {
        return new Trainer(sc, new PrintStream(printed, true, StandardCharsets.UTF_8), Duration.ZERO);
    }

    @Test
    void aFailedOverwriteLeavesThePreviousRunByteForByteAndASuccessfulOneReplacesIt() throws Exception {
        TrainResult first = trainer(new ByteArrayOutputStream()).run(request("run", false, 1));
        Map<String, String> before = checksums(work.resolve("run"));
        assertTrue(before.containsKey("model.zip") && before.containsKey("checkpoints/epoch-0002.zip") && before.containsKey("run.json"),
                before.keySet().toString());

        // The rerun fails in its first epoch: the watchdog, with a timeout shorter than any iteration, stops it.
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        TrainingStalledException stalled = assertThrows(TrainingStalledException.class,
                () -> trainer(printed).stallTimeout(Duration.ofMillis(1)).run(request("run", true, 2)));
        assertTrue(stalled.getMessage().startsWith("training stalled in epoch 1 of 2: no training iteration on any worker for "),
                stalled.getMessage());
        assertTrue(stalled.getMessage().endsWith("this --overwrite run cannot be resumed: run the same command again (any previous run"
                + " in the output is untouched)"), stalled.getMessage());
        assertTrue(printed.toString(StandardCharsets.UTF_8).contains("--overwrite: the previous run in "), printed.toString());
        Map<String, String> afterFailure = checksums(work.resolve("run"));
        afterFailure.keySet().removeIf(name -> name.startsWith("_overwrite-")); // the failed run's own, hidden; removed by the next
        assertEquals(before, afterFailure, "the previous run, byte for byte");

        TrainResult second = trainer(new ByteArrayOutputStream()).run(request("run", true, 3));
        assertEquals(work.resolve("run/model.zip").toUri().getPath(), new org.apache.hadoop.fs.Path(second.modelUri()).toUri().getPath());
        Map<String, String> after = checksums(work.resolve("run"));
        assertNotEquals(before.get("model.zip"), after.get("model.zip"), "the new model replaced the old");
        assertEquals(namesWithoutTimes(before), namesWithoutTimes(after), "the same files, nothing of the staging left: " + after.keySet());
        assertNotEquals(first.network().params(), second.network().params());
    }

    @Test
    void aSecondRunIntoALockedOutputIsRefusedNamingTheHolder() throws Exception {
        Path output = work.resolve("locked");
        Files.createDirectories(output);
        try (OutputLock.Held held = OutputLock.acquire(new org.apache.hadoop.fs.Path(output.toUri()), sc.hadoopConfiguration(), line -> { })) {
            LockHeldException refused = assertThrows(LockHeldException.class, () -> trainer(new ByteArrayOutputStream()).run(request("locked", false, 1)));
            assertTrue(refused.getMessage().contains("is locked by host " + held.lock().holder().host() + ", pid " + ProcessHandle.current().pid()
                    + ", started " + held.lock().holder().started()), refused.getMessage());
        }
        try (Stream<Path> files = Files.list(output)) {
            assertEquals(0, files.count(), "the refused run wrote nothing");
        }
    }

    /** TensorBoard's file names carry the time they were written. */
    private static java.util.Set<String> namesWithoutTimes(Map<String, String> sums) {
        return new java.util.TreeSet<>(sums.keySet().stream().map(n -> n.replaceAll("tfevents\\.\\d+", "tfevents.T")).toList());
    }

    private static Map<String, String> checksums(Path root) throws Exception {
        Map<String, String> sums = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = root.relativize(f).toString();
                if (name.endsWith(".crc")) {
                    continue; // Hadoop's local checksum sidecars follow their files
                }
                sums.put(name, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
            }
        }
        assertFalse(sums.isEmpty());
        return sums;
    }
}
