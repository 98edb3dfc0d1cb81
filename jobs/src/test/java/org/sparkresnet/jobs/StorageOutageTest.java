package org.sparkresnet.jobs;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkresnet.data.PrepareJob;
import org.sparkresnet.data.PrepareRequest;
import org.sparkresnet.data.S3ProxyEndpoint;
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
import java.nio.file.Files;
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
 * The S3 endpoint (s3proxy, its own process) killed at the moments that matter: while a checkpoint is written, while the
 * final model is saved, and while prepare commits a dataset over an existing one. Each time the job fails with an
 * error naming the URI it was writing, what was there before is untouched (SHA-256 of every stored object), and once
 * the endpoint is back the same command (with --resume for training) finishes the work. An outage shorter than the
 * retry settings' patience ({@link org.sparkresnet.data.fs.StorageRetry}) is ridden out without the run noticing.
 * <p>
 * The endpoint is killed from the jobs' own progress lines, printed just before each of those writes, so the moment
 * is exact. Bucket {@code models} fails fast (one retry) to keep the test short; bucket {@code steady} has the
 * settings every job gets.
 */
class StorageOutageTest {
    private static final int IMAGES = 256;
    private static final int EPOCHS = 2;
    private static JavaSparkContext sc;
    private static Configuration conf;
    private static S3ProxyEndpoint s3;
    private static java.nio.file.Path dir;
    private static String dataUri;

    @BeforeAll
    static void start() throws Exception {
        sc = SparkContexts.create("StorageOutageTest", "local[2]");
        conf = sc.hadoopConfiguration();
        dir = Files.createTempDirectory("storage-outage");
        s3 = S3ProxyEndpoint.start(dir, List.of("models", "steady"));
        s3.configure(conf);
        conf.set("fs.s3a.bucket.models.retry.limit", "1");
        conf.set("fs.s3a.bucket.models.retry.interval", "100ms");
        conf.set("fs.s3a.bucket.models.attempts.maximum", "1");
        dataUri = "s3a://models/outage/data";
        PrepareJob.run(sc, new PrepareRequest("fashion-mnist", FashionMnist.requireDir().toUri().toString(), dataUri, 128, false, IMAGES));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (sc != null) {
                sc.close();
            }
        } finally {
            if (s3 != null) {
                s3.close();
            }
        }
    }

    @Test
    void anOutageDuringACheckpointWriteFailsNamingItKeepsTheLastCheckpointAndResumeFinishes() throws Exception {
        Path run = new Path("s3a://models/outage/checkpoint-run");
        Map<String, String> before = new TreeMap<>();
        RuntimeException failure = assertThrows(RuntimeException.class, () -> new Trainer(sc, killOn("epoch 2/2 done",
                () -> before.putAll(checksums(new Path(run, Checkpoints.DIR)))), Duration.ZERO).run(request(run)));
        s3.restart();

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
        Path run = new Path("s3a://models/outage/model-run");
        Map<String, String> before = new TreeMap<>();
        RuntimeException failure = assertThrows(RuntimeException.class, () -> new Trainer(sc, killOn("writing the model to",
                () -> before.putAll(checksums(new Path(run, Checkpoints.DIR)))), Duration.ZERO).run(request(run)));
        s3.restart();

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
        String output = "s3a://models/outage/replaced-data";
        PrepareJob.run(sc, new PrepareRequest("fashion-mnist", FashionMnist.requireDir().toUri().toString(), output, 128, false, 128));
        Map<String, String> before = checksums(new Path(output));
        PrintStream killer = killOn("committing", () -> { });
        RuntimeException failure = assertThrows(RuntimeException.class, () -> PrepareJob.run(sc, new PrepareRequest("fashion-mnist",
                FashionMnist.requireDir().toUri().toString(), output, 64, true, 256), killer::println));
        s3.restart();

        assertNamed(failure, output);
        Map<String, String> after = checksums(new Path(output));
        after.keySet().removeIf(name -> name.startsWith("_")); // the dead run's staging folder and lock, which nothing reads
        before.keySet().removeIf(name -> name.startsWith("_"));
        assertEquals(before, after, "every object of the previous dataset is exactly as it was");

        deleteLock(new Path(output));
        PrepareJob.run(sc, new PrepareRequest("fashion-mnist", FashionMnist.requireDir().toUri().toString(), output, 64, true, 256));
        assertEquals(256, org.sparkresnet.data.SplitManifest.read(new Path(output, Trainer.TRAIN_SPLIT).toString(), conf).numExamples());
    }

    @Test
    void aShortOutageDuringACheckpointWriteIsRiddenOutWithTheJobsRetrySettings() throws Exception {
        Path run = new Path("s3a://steady/outage/short-run");
        Thread[] restarter = new Thread[1];
        TrainResult result = new Trainer(sc, killOn("epoch 1/2 done", () -> { }, () -> {
            restarter[0] = new Thread(() -> {
                try {
                    Thread.sleep(15_000);
                    s3.restart();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            restarter[0].start();
        }), Duration.ZERO).run(request(run));
        restarter[0].join();
        assertEquals(2, result.epochs().size());
        assertEquals(2, new Checkpoints(run, conf).latestComplete().orElseThrow().marker().epochsDone());
        assertTrue(filesystem(run).exists(new Path(run, Trainer.MODEL_FILE)));
    }

    private static TrainRequest request(Path output) {
        return new TrainRequest(dataUri, output.toString(), "resnet20", EPOCHS, 32, "adam", 2e-3, 0.9, 0, 2, 11, false);
    }

    private static TrainResult resumeAfterTheDeadDriver(Path run) {
        return resumeAfterTheDeadDriver(run, System.out);
    }

    /** A failed driver exits, and a new one takes its lock over (DriverKillIT); here the failed run's JVM lives on. */
    private static TrainResult resumeAfterTheDeadDriver(Path run, PrintStream out) {
        deleteLock(run);
        return new Trainer(sc, out, Duration.ZERO).run(request(run).withResume(true));
    }

    private static void deleteLock(Path output) {
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

    private static void assertNamed(Throwable failure, String uri) {
        StringBuilder chain = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            chain.append(t.getMessage()).append('\n');
        }
        assertTrue(failure.getMessage().contains(uri), "the error names " + uri + ":\n" + chain);
    }

    private static PrintStream killOn(String line, Runnable beforeKill) {
        return killOn(line, beforeKill, () -> { });
    }

    /** Everything printed goes to stdout; the first time {@code line} appears, the endpoint is killed before the job goes on. */
    private static PrintStream killOn(String line, Runnable beforeKill, Runnable afterKill) {
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
                        s3.kill();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    afterKill.run();
                }
            }
        }, true, StandardCharsets.UTF_8);
    }

    private static FileSystem filesystem(Path path) {
        try {
            return path.getFileSystem(conf);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** SHA-256 of every object under {@code root}, by path relative to it. */
    private static Map<String, String> checksums(Path root) {
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
