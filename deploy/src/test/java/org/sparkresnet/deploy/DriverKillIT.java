package org.sparkresnet.deploy;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.jobs.store.Checkpoints;
import org.sparkresnet.jobs.store.ModelStore;
import org.sparkresnet.runtime.JvmFlags;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A killed driver (issue 17): `resnet train` runs as its own JVM (local[2], parameter averaging) and is killed with
 * SIGKILL in the middle of epoch 2, and, in a second run, at the moment it reports epoch 1 done (when it writes that
 * epoch's checkpoint). The same command with --resume then continues from the last whole checkpoint, taking over the
 * dead process's output lock, and ends with exactly the parameters of an uninterrupted run with the same seed: each
 * epoch's data order follows the seed and the epoch, and a checkpoint holds the parameters, the Adam state and the
 * iteration count.
 */
class DriverKillIT {
    private static final int IMAGES = 512;

    @TempDir
    static Path work;
    static String data;
    static Path reference;

    @BeforeAll
    static void prepareAndTrainUninterrupted() throws Exception {
        try (JavaSparkContext sc = SparkContexts.create("driver-kill-prepare", "local[2]")) {
            data = LocalCluster.prepareFashionMnist(sc, work.resolve("data"), IMAGES);
        }
        reference = work.resolve("reference");
        Child run = Child.start(train(reference, false));
        assertEquals(0, run.waitFor(), run.output());
    }

    @Test
    void killedMidEpochResumesToTheUninterruptedRunsParameters() throws Exception {
        Path output = work.resolve("killed-mid-epoch");
        Child killed = Child.start(train(output, false));
        assertTrue(killed.killAtLine("epoch 2/3  iteration"), "the run reached epoch 2: " + killed.output());
        assertTrue(Files.exists(output.resolve("_lock")), "the dead driver's lock is left behind");
        assertFalse(Files.exists(output.resolve("model.zip")));
        resumeAndCompare(output, "resuming after epoch 1 of 3");
    }

    @Test
    void killedWhileCheckpointingResumesFromTheLastWholeCheckpoint() throws Exception {
        Path output = work.resolve("killed-checkpointing");
        Child killed = Child.start(train(output, false));
        assertTrue(killed.killAtLine("epoch 1/3 done"), "the run finished epoch 1: " + killed.output());
        // whatever the kill caught (no checkpoint yet, a half-written one, a zip without its marker, a whole one),
        // --resume starts from the last whole one: epoch 1's or none
        boolean whole = new Checkpoints(new org.apache.hadoop.fs.Path(output.toUri()), new Configuration()).latestComplete().isPresent();
        resumeAndCompare(output, whole ? "resuming after epoch 1 of 3" : null);
    }

    private static void resumeAndCompare(Path output, String expectedLine) throws Exception {
        Child resumed = Child.start(train(output, true));
        assertEquals(0, resumed.waitFor(), resumed.output());
        assertTrue(resumed.output().contains("taking over the stale lock"), resumed.output());
        if (expectedLine != null) {
            assertTrue(resumed.output().contains(expectedLine), resumed.output());
        }
        Configuration conf = new Configuration();
        ComputationGraph expected = ModelStore.load(new org.apache.hadoop.fs.Path(reference.resolve("model.zip").toUri()), conf);
        ComputationGraph actual = ModelStore.load(new org.apache.hadoop.fs.Path(output.resolve("model.zip").toUri()), conf);
        assertEquals(expected.params(), actual.params(), "the resumed run's parameters equal the uninterrupted run's");
        assertEquals(expected.getUpdater().getStateViewArray(), actual.getUpdater().getStateViewArray(), "and its Adam state");
    }

    private static List<String> train(Path output, boolean resume) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data, "--output", output.toString(), "--model", "resnet20",
                "--epochs", "3", "--batch", "32", "--lr", "0.002", "--seed", "5", "--averaging-frequency", "2", "--master", "local[2]",
                "--progress-seconds", "0"));
        if (resume) {
            args.add("--resume");
        }
        return args;
    }

    /** `resnet ARGS` in its own JVM on the build's runtime classpath, its output read line by line. */
    private record Child(Process process, StringBuilder lines, BufferedReader reader) {
        static Child start(List<String> args) throws IOException {
            Path lib = Path.of(System.getProperty("deploy.target", "target")).resolve("lib").toAbsolutePath();
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            command.addAll(JvmFlags.asList());
            command.addAll(List.of("-Xmx2g", "-cp", lib + "/*", "org.sparkresnet.jobs.cli.Main"));
            command.addAll(args);
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            return new Child(process, new StringBuilder(),
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)));
        }

        /** Reads until a line starts with {@code prefix}, then SIGKILLs the JVM; false if it ended first. */
        boolean killAtLine(String prefix) throws Exception {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lines.append(line).append('\n');
                if (line.startsWith(prefix)) {
                    process.destroyForcibly();
                    process.waitFor(60, TimeUnit.SECONDS);
                    return true;
                }
            }
            return false;
        }

        int waitFor() throws Exception {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lines.append(line).append('\n');
            }
            return process.waitFor();
        }

        String output() {
            return lines.toString();
        }
    }
}
