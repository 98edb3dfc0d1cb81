package org.sparkresnet.deploy;

import io.aeron.CommonContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.jobs.dl4jfix.AeronDirectories;
import org.sparkresnet.jobs.train.SharingSettings;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.TrainResult;
import org.sparkresnet.jobs.train.Trainer;
import org.sparkresnet.jobs.train.TrainingMode;
import org.sparkresnet.jobs.train.TrainingStalledException;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A lost executor (issue 17): one of two executor JVMs of a local-cluster killed with SIGKILL in the middle of an
 * epoch, as a machine dies. Parameter averaging: Spark relaunches the executor, retries the lost tasks and the run
 * finishes, every example counted once. Gradient sharing: the run either recovers or, when the relaunched worker
 * cannot rejoin the parameter server, the stall watchdog stops it within its timeout with a message naming the
 * checkpoint, and --resume in a new application finishes the run. Never a hang. The killed executor's Aeron folder
 * in shared memory is removed by the resumed run ({@link AeronDirectories}), and executors that exit normally leave
 * none.
 */
class ExecutorLossIT {
    private static final int IMAGES = 2048;

    @TempDir
    Path work;

    @Test
    void averagingFinishesAfterAnExecutorIsKilledMidEpochAndCountsEveryExampleOnce() {
        try (JavaSparkContext sc = LocalCluster.start("executor-loss-averaging", 2, 2048)) {
            LocalCluster.awaitExecutors(sc, 2, Duration.ofMinutes(2));
            String data = LocalCluster.prepareFashionMnist(sc, work.resolve("data"), IMAGES);
            TrainRequest request = new TrainRequest(data, work.resolve("run").toUri().toString(), "resnet20", 2, 32, "adam", 2e-3, 0.9, 0,
                    2, 11, false);
            KillOnProgress killer = new KillOnProgress("epoch 1/2  iteration");
            TrainResult result = new Trainer(sc, killer.out(), Duration.ofSeconds(1)).run(request);
            assertTrue(killer.killedPid() > 0, "an executor was killed during epoch 1: " + killer.printed());
            assertEquals(List.of((long) IMAGES, (long) IMAGES), result.epochs().stream().map(e -> e.examples()).toList(),
                    "every example counted once per epoch, the lost tasks' work not twice");
            assertTrue(result.last().testAccuracy() > 0.5, "accuracy after two epochs (chance: 0.1): " + result.last().testAccuracy());
        }
    }

    @Test
    void sharingRecoversOrStopsWithinTheStallTimeoutAndResumeFinishesTheRun() {
        Duration stallTimeout = Duration.ofSeconds(40);
        String data;
        TrainRequest request;
        long killedPid;
        try (JavaSparkContext sc = LocalCluster.start("executor-loss-sharing", 2, 2048)) {
            LocalCluster.awaitExecutors(sc, 2, Duration.ofMinutes(2));
            data = LocalCluster.prepareFashionMnist(sc, work.resolve("data"), IMAGES);
            request = sharing(new TrainRequest(data, work.resolve("run").toUri().toString(), "resnet20", 2, 32, "adam", 2e-3, 0.9, 0,
                    1, 11, false));
            KillOnProgress killer = new KillOnProgress("epoch 2/2  iteration");
            long started = System.nanoTime();
            try {
                TrainResult result = new Trainer(sc, killer.out(), Duration.ofSeconds(1)).stallTimeout(stallTimeout).run(request);
                System.out.println("gradient sharing recovered from the lost executor: epochs " + result.epochs());
                assertTrue(killer.killedPid() > 0, "an executor was killed during epoch 2: " + killer.printed());
                assertTrue(result.last().testAccuracy() > 0.5, "accuracy (chance: 0.1) " + result.last().testAccuracy());
                return;
            } catch (TrainingStalledException stalled) {
                killedPid = killer.killedPid();
                double seconds = (System.nanoTime() - started) / 1e9;
                System.out.printf("gradient sharing stopped %.0f s after its start: %s%n", seconds, stalled.getMessage());
                assertTrue(killer.killedPid() > 0, "the stall came after the kill: " + killer.printed());
                assertTrue(stalled.getMessage().contains("training stalled in epoch 2 of 2")
                        && stalled.getMessage().contains("the last whole checkpoint is after epoch 1")
                        && stalled.getMessage().contains("--resume"), stalled.getMessage());
                assertTrue(seconds < 600, "stopped within a bounded time: " + seconds + " s");
            }
        }
        // what a user does next: the same command with --resume, a new application (and parameter server)
        List<ProcessHandle> executors;
        try (JavaSparkContext sc = LocalCluster.start("executor-loss-sharing-resumed", 2, 2048)) {
            LocalCluster.awaitExecutors(sc, 2, Duration.ofMinutes(2));
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            TrainResult resumed = new Trainer(sc, new PrintStream(printed, true, StandardCharsets.UTF_8), Duration.ofSeconds(5))
                    .stallTimeout(stallTimeout).run(sharing(request).withResume(true));
            assertTrue(printed.toString(StandardCharsets.UTF_8).contains("resuming after epoch 1 of 2"), printed.toString(StandardCharsets.UTF_8));
            assertEquals(IMAGES, resumed.last().examples(), "epoch 2 trained whole after the resume");
            assertTrue(resumed.last().testAccuracy() > 0.5, "accuracy (chance: 0.1) " + resumed.last().testAccuracy());
            // the killed executor's media driver left its folder in /dev/shm; the resumed run's drivers removed it
            Path aeronBase = Path.of(CommonContext.getAeronDirectoryName());
            assertEquals(List.of(), AeronDirectories.foldersOf(aeronBase, killedPid), "the killed executor's Aeron folder is removed");
            executors = LocalCluster.executorJvms();
            assertEquals(2, executors.size(), "the resumed run's executors");
        }
        // executors that exit normally take their media driver's folder with them
        Path aeronBase = Path.of(CommonContext.getAeronDirectoryName());
        for (ProcessHandle executor : executors) {
            assertTrue(executor.onExit().thenApply(p -> true).completeOnTimeout(false, 60, TimeUnit.SECONDS).join(), "executor " + executor.pid() + " exits");
            assertEquals(List.of(), AeronDirectories.foldersOf(aeronBase, executor.pid()), "executor " + executor.pid() + "'s Aeron folder is gone");
        }
    }

    /** Sharing mode on free UDP ports (a stopped run's parameter server may still hold the ones it had). */
    private static TrainRequest sharing(TrainRequest request) {
        SharingSettings d = SharingSettings.defaults();
        return request.withMode(TrainingMode.SHARING).withSharing(new SharingSettings(d.threshold(), d.thresholdValue(), d.residualClip(),
                d.residualClipEvery(), FreeUdpPorts.range(3), d.controllerAddress(), d.networkMask(), d.workersPerNode()));
    }

    /** The trainer's output, watched: at the first progress line starting with {@code trigger}, SIGKILL one executor JVM. */
    private static final class KillOnProgress {
        private final String trigger;
        private final StringBuilder printed = new StringBuilder();
        private final AtomicLong killed = new AtomicLong();

        KillOnProgress(String trigger) {
            this.trigger = trigger;
        }

        PrintStream out() {
            return new PrintStream(new OutputStream() {
                private final ByteArrayOutputStream line = new ByteArrayOutputStream();

                @Override
                public synchronized void write(int b) {
                    System.out.write(b);
                    if (b != '\n') {
                        line.write(b);
                        return;
                    }
                    String text = line.toString(StandardCharsets.UTF_8);
                    line.reset();
                    printed.append(text).append('\n');
                    if (text.startsWith(trigger) && killed.get() == 0) {
                        killed.set(killOneExecutor());
                    }
                }
            }, true, StandardCharsets.UTF_8);
        }

        long killedPid() {
            return killed.get();
        }

        String printed() {
            return printed.toString();
        }

        private static long killOneExecutor() {
            ProcessHandle executor = LocalCluster.executorJvms().stream().findFirst().orElseThrow(() -> new IllegalStateException("no executor JVM among this JVM's child processes"));
            System.out.println("killing executor JVM " + executor.pid() + " with SIGKILL");
            executor.destroyForcibly();
            return executor.pid();
        }
    }
}
