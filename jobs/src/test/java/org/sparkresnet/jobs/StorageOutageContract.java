package org.sparkresnet.jobs;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.sparkresnet.data.PrepareJob;
import org.sparkresnet.data.PrepareRequest;
import org.sparkresnet.data.fs.OutputLock;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.jobs.store.Checkpoints;
import org.sparkresnet.jobs.store.ModelStore;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.TrainResult;
import org.sparkresnet.jobs.train.Trainer;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A store's data service stopped (a subclass starts a real one and knows how to stop it) at the moments that matter:
 * while a checkpoint is written, while the final model is saved, and while prepare commits a dataset over an existing
 * one. Each time the job fails with an error naming the URI it was writing, what was there before is untouched
 * (SHA-256 of every stored file), and once the store is back the same command (with --resume for training) finishes
 * the work.
 * <p>
 * The outage starts from the jobs' own progress lines, printed just before each of those writes, so the moment is
 * exact.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StorageOutageContract {
    static final int IMAGES = 256;
    static final int EPOCHS = 2;
    JavaSparkContext sc;
    Configuration conf;
    String dataUri;
    /** When the last outage began (System.nanoTime()). */
    volatile long stoppedAt;

    /** Starts the store and points {@code conf} at it where needed. */
    abstract void startStore(Configuration conf) throws Exception;

    /** The outage: the store stops serving (or storing) data. */
    abstract void stopService() throws Exception;

    /** The store back after {@link #stopService()}, with what it held. */
    abstract void restartService() throws Exception;

    abstract void stopStore() throws Exception;

    /** A folder on the store for this test's data and runs, on which outages fail fast. */
    abstract Path root();

    @BeforeAll
    void start() throws Exception {
        sc = SparkContexts.create(getClass().getSimpleName(), "local[2]");
        conf = sc.hadoopConfiguration();
        startStore(conf);
        dataUri = new Path(root(), "data").toString();
        PrepareJob.run(sc, new PrepareRequest("fashion-mnist", FashionMnist.requireDir().toUri().toString(), dataUri, 128, false, IMAGES));
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (sc != null) {
                sc.close();
            }
        } finally {
            stopStore();
        }
    }

    @Test
    void anOutageDuringACheckpointWriteFailsNamingItKeepsTheLastCheckpointAndResumeFinishes() throws Exception {
        Path run = new Path(root(), "checkpoint-run");
        Map<String, String> before = new TreeMap<>();
        RuntimeException failure = failsInTheOutage(() -> new Trainer(sc, killOn("epoch 2/2 done",
                () -> before.putAll(checksums(new Path(run, Checkpoints.DIR)))), Duration.ZERO).run(request(run)));

        assertNamed(failure, new Path(new Path(run, Checkpoints.DIR), Checkpoints.zipName(2)).toString());
        assertFalse(before.isEmpty());
        assertEquals(before, checksums(new Path(run, Checkpoints.DIR)), "epoch 1's checkpoint is exactly as it was");
        assertEquals(1, new Checkpoints(run, conf).latestComplete().orElseThrow().marker().epochsDone());

        TrainResult resumed = resumeAfterTheDeadDriver(run);
        assertEquals(List.of(1, 2), resumed.epochs().stream().map(e -> e.epoch()).toList());
        assertEquals(IMAGES, resumed.last().examples());
        assertEquals(resumed.network().params(), ModelStore.load(new Path(run, Trainer.MODEL_FILE), conf).params());
    }

    @Test
    void anOutageDuringTheFinalModelSaveFailsNamingItAndResumeOnlyWritesTheModel() throws Exception {
        Path run = new Path(root(), "model-run");
        Map<String, String> before = new TreeMap<>();
        RuntimeException failure = failsInTheOutage(() -> new Trainer(sc, killOn("writing the model to",
                () -> before.putAll(checksums(new Path(run, Checkpoints.DIR)))), Duration.ZERO).run(request(run)));

        assertNamed(failure, new Path(run, Trainer.MODEL_FILE).toString());
        assertFalse(filesystem(run).exists(new Path(run, Trainer.MODEL_FILE)), "no model.zip, whole or half");
        assertEquals(before, checksums(new Path(run, Checkpoints.DIR)), "both checkpoints exactly as they were");

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        TrainResult resumed = resumeAfterTheDeadDriver(run, new PrintStream(printed, true, StandardCharsets.UTF_8));
        String log = printed.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("resuming after epoch 2 of 2"), log);
        assertFalse(log.contains("done: train loss"), "nothing is trained again: " + log);
        assertEquals(new Checkpoints(run, conf).latestComplete().orElseThrow().load(conf).params(),
                ModelStore.load(new Path(run, Trainer.MODEL_FILE), conf).params(), "the model is the last checkpoint's");
        assertEquals(2, resumed.epochs().size());
    }

    @Test
    void anOutageDuringPreparesCommitFailsNamingTheOutputAndLeavesThePreviousDatasetAsItWas() throws Exception {
        String output = new Path(root(), "replaced-data").toString();
        PrepareJob.run(sc, new PrepareRequest("fashion-mnist", FashionMnist.requireDir().toUri().toString(), output, 128, false, 128));
        Map<String, String> before = checksums(new Path(output));
        PrintStream killer = killOn("committing", () -> { });
        RuntimeException failure = failsInTheOutage(() -> PrepareJob.run(sc, new PrepareRequest("fashion-mnist",
                FashionMnist.requireDir().toUri().toString(), output, 64, true, 256), killer::println));

        assertNamed(failure, output);
        Map<String, String> after = checksums(new Path(output));
        after.keySet().removeIf(name -> name.startsWith("_")); // the dead run's staging folder and lock, which nothing reads
        before.keySet().removeIf(name -> name.startsWith("_"));
        assertEquals(before, after, "every object of the previous dataset is exactly as it was");

        deleteLock(new Path(output));
        PrepareJob.run(sc, new PrepareRequest("fashion-mnist", FashionMnist.requireDir().toUri().toString(), output, 64, true, 256));
        assertEquals(256, org.sparkresnet.data.SplitManifest.read(new Path(output, Trainer.TRAIN_SPLIT).toString(), conf).numExamples());
    }

    TrainRequest request(Path output) {
        return new TrainRequest(dataUri, output.toString(), "resnet20", EPOCHS, 32, "adam", 2e-3, 0.9, 0, 2, 11, false);
    }

    TrainResult resumeAfterTheDeadDriver(Path run) {
        return resumeAfterTheDeadDriver(run, System.out);
    }

    /** A failed driver exits, and a new one takes its lock over (DriverKillIT); here the failed run's JVM lives on. */
    TrainResult resumeAfterTheDeadDriver(Path run, PrintStream out) {
        deleteLock(run);
        return new Trainer(sc, out, Duration.ZERO).run(request(run).withResume(true));
    }

    void deleteLock(Path output) {
        try {
            for (FileStatus f : filesystem(output).listStatus(output)) {
                if (f.getPath().getName().startsWith(OutputLock.FILE_NAME)) {
                    filesystem(output).delete(f.getPath(), false);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Runs a job that stops the store on the way and must fail; brings the store back whatever happened; checks the
     * failure came within minutes of the outage's start (a nightly run must not hang on it).
     */
    RuntimeException failsInTheOutage(org.junit.jupiter.api.function.Executable job) throws Exception {
        stoppedAt = 0;
        try {
            RuntimeException failure = assertThrows(RuntimeException.class, job);
            double seconds = (System.nanoTime() - stoppedAt) / 1e9;
            System.out.printf("%s: the job failed %.1f s into the outage: %s%n", getClass().getSimpleName(), seconds, failure.getMessage());
            assertTrue(stoppedAt != 0, "the outage began");
            assertTrue(seconds < 180, "the job failed only " + seconds + " s into the outage");
            return failure;
        } finally {
            if (stoppedAt != 0) {
                restartService();
            }
        }
    }

    void assertNamed(Throwable failure, String uri) {
        StringBuilder chain = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            chain.append(t.getMessage()).append('\n');
        }
        assertTrue(failure.getMessage().contains(uri), "the error names " + uri + ":\n" + chain);
    }

    PrintStream killOn(String line, Runnable beforeKill) {
        return killOn(line, beforeKill, () -> { });
    }

    /** Everything printed goes to stdout; the first time {@code line} appears, the endpoint is killed before the job goes on. */
    PrintStream killOn(String line, Runnable beforeKill, Runnable afterKill) {
        StringBuilder seen = new StringBuilder();
        boolean[] killed = {false};
        return new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[]{(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                System.out.write(bytes, offset, length);
                seen.append(new String(bytes, offset, length, StandardCharsets.UTF_8));
                if (!killed[0] && seen.indexOf(line) >= 0) {
                    killed[0] = true;
                    beforeKill.run();
                    try {
                        stopService();
                        stoppedAt = System.nanoTime();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    afterKill.run();
                }
            }
        }, true, StandardCharsets.UTF_8);
    }

    FileSystem filesystem(Path path) {
        try {
            return path.getFileSystem(conf);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** SHA-256 of every object under {@code root}, by path relative to it. */
    Map<String, String> checksums(Path root) {
        try {
            FileSystem fs = filesystem(root);
            Map<String, String> sums = new TreeMap<>();
            var files = fs.listFiles(root, true);
            while (files.hasNext()) {
                Path file = files.next().getPath();
                try (var in = fs.open(file)) {
                    sums.put(root.toUri().relativize(file.toUri()).toString(),
                            HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(in.readAllBytes())));
                }
            }
            return sums;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
