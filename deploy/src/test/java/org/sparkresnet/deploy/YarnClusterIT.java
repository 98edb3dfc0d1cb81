package org.sparkresnet.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.yarn.api.records.ContainerReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.jobs.store.ModelStore;

import java.io.InputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jobs on a real YARN (MiniYARNCluster: a ResourceManager and one NodeManager enforcing physical memory) with the
 * data and the models on a real HDFS, submitted by the real spark-submit in child JVMs, in client and in cluster
 * deploy mode, with two one-core executors in YARN containers: prepare Fashion-MNIST into hdfs:// (client), train by
 * parameter averaging (client), train by gradient sharing (cluster), evaluate the shared model (cluster). Success is
 * judged by YARN's final status and the outputs on HDFS, not by spark-submit's exit code alone. The containers YARN
 * granted show ExecutorMemory at work: each executor's is its heap plus the overhead sized from ND4J's off-heap cap,
 * and an overhead too small for the cap fails before anything reaches YARN.
 */
class YarnClusterIT {
    static final int LIMIT = 2048;
    static final int HEAP_MB = 1024;
    static final Duration JOB_TIMEOUT = Duration.ofMinutes(4);

    @TempDir
    java.nio.file.Path work;

    @Test
    void jobsRunInYarnContainersSizedForNd4jInClientAndClusterMode() throws Exception {
        if (!Files.exists(LocalCluster.FASHION_MNIST.resolve("train-images-idx3-ubyte.gz"))) {
            throw new IllegalStateException("Fashion-MNIST missing in " + LocalCluster.FASHION_MNIST + ": apt-get install dataset-fashion-mnist");
        }
        long start = System.nanoTime();
        // a NodeManager of 10 GiB and 4 vcores: the application master and two executors fit with room to spare
        try (YarnMiniCluster cluster = YarnMiniCluster.start(work, 10240, 4)) {
            YarnSubmit yarn = new YarnSubmit(cluster, java.nio.file.Path.of(System.getProperty("deploy.target", "target")), work);
            FileSystem fs = cluster.hdfs.getFileSystem();
            String root = cluster.hdfsUri() + "/yarn-it";
            String data = root + "/data";
            List<String> timings = new ArrayList<>();

            // an overhead that cannot hold the off-heap cap (the heap, 1 GiB, by default) ends the job before YARN sees it
            YarnSubmit.Run tooSmall = yarn.submit("yarn-it-small-overhead", "client",
                    List.of("--conf", "spark.executor.memoryOverhead=512m"),
                    List.of("train", "--data", data, "--output", root + "/never"), JOB_TIMEOUT);
            timings.add(timing(tooSmall));
            assertEquals(2, tooSmall.exitCode(), tooSmall.outputTail());
            assertTrue(tooSmall.output().contains("train: error: spark.executor.memoryOverhead=512m (512 MiB) cannot hold ND4J's"
                    + " off-heap cap of 1024 MiB"), tooSmall.outputTail());
            assertTrue(tooSmall.output().contains("at least 1408m"), tooSmall.outputTail());
            assertNull(tooSmall.app(), "no YARN application was submitted");

            YarnSubmit.Run prepare = yarn.submit("yarn-it-prepare", "client", List.of(),
                    List.of("prepare", "--dataset", "fashion-mnist", "--input", LocalCluster.FASHION_MNIST.toUri().toString(),
                            "--output", data, "--limit", String.valueOf(LIMIT)), JOB_TIMEOUT);
            timings.add(timing(prepare));
            assertRanInYarnContainers(cluster, prepare, HEAP_MB + HEAP_MB + 384);
            assertTrue(fs.exists(new Path(data, "train/manifest.json")) && fs.exists(new Path(data, "test/manifest.json")),
                    "the prepared splits are on HDFS");

            YarnSubmit.Run averaging = yarn.submit("yarn-it-train-averaging", "client", List.of(),
                    train(data, root + "/averaging", "averaging"), JOB_TIMEOUT);
            timings.add(timing(averaging));
            // the default policy: off-heap cap = heap (JavaCPP's own default, made explicit), overhead = cap + 384 MiB
            assertRanInYarnContainers(cluster, averaging, HEAP_MB + 1408);
            assertTrue(averaging.output().contains("executor memory: heap 1024 MiB, ND4J off-heap cap 1024 MiB, memoryOverhead 1408 MiB,"
                    + " container 2432 MiB"), averaging.outputTail());
            assertModelLoads(fs, root + "/averaging/model.zip");

            // gradient sharing with the driver in the application master's container; the off-heap cap set for the job
            YarnSubmit.Run sharing = yarn.submit("yarn-it-train-sharing", "cluster",
                    List.of("--conf", "spark.resnet.executor.offHeap=1536m", "--conf", "spark.driver.memoryOverhead=1536m"),
                    train(data, root + "/sharing", "sharing"), JOB_TIMEOUT);
            timings.add(timing(sharing));
            assertRanInYarnContainers(cluster, sharing, HEAP_MB + 1536 + 384);
            ContainerReport master = sharing.masterContainer(cluster.client).orElseThrow();
            assertEquals(1024 + 1536, master.getAllocatedResource().getMemorySize(), "the driver's container: --driver-memory + its overhead");
            String driverLog = containerLog(cluster, sharing, master.getContainerId().toString());
            assertTrue(driverLog.contains("executor memory: heap 1024 MiB, ND4J off-heap cap 1536 MiB, memoryOverhead 1920 MiB,"
                    + " container 2944 MiB"), "the driver, in YARN, printed the sizing");
            assertTrue(driverLog.contains("-Dorg.bytedeco.javacpp.maxbytes=1536m"), "the executors' launch command carries the cap");
            assertModelLoads(fs, root + "/sharing/model.zip");

            YarnSubmit.Run evaluate = yarn.submit("yarn-it-evaluate", "cluster", List.of("--conf", "spark.driver.memoryOverhead=1536m"),
                    List.of("evaluate", "--model", root + "/sharing/model.zip", "--data", data), JOB_TIMEOUT);
            timings.add(timing(evaluate));
            assertRanInYarnContainers(cluster, evaluate, HEAP_MB + 1408);
            JsonNode evaluation;
            try (InputStream in = fs.open(new Path(root + "/sharing/evaluation-test.json"))) {
                evaluation = new ObjectMapper().readTree(in);
            }
            double accuracy = evaluation.get("accuracy").asDouble();
            assertEquals(LIMIT, evaluation.get("images").asLong(), "every test image evaluated");
            assertTrue(accuracy > 0.3, "evaluate's accuracy after one epoch of sharing should be well above chance (0.1): " + accuracy);

            System.out.printf("YarnClusterIT: %s; sharing model's test accuracy %.4f; %d s in all%n", String.join(", ", timings),
                    accuracy, Duration.ofNanos(System.nanoTime() - start).toSeconds());
        }
    }

    private static List<String> train(String data, String output, String mode) {
        return List.of("train", "--data", data, "--output", output, "--model", "resnet20", "--epochs", "1", "--batch", "32",
                "--lr", "0.002", "--mode", mode, "--progress-seconds", "5", "--aeron-port", String.valueOf(FreeUdpPorts.range(3)));
    }

    /**
     * spark-submit ended well, YARN's final status is SUCCEEDED, every container granted for executors
     * has one vcore and {@code executorContainerMb} (heap + memoryOverhead), and two of them hold a Spark YARN
     * executor's log in the NodeManager's log folder.
     */
    private static void assertRanInYarnContainers(YarnMiniCluster cluster, YarnSubmit.Run run, long executorContainerMb) throws Exception {
        assertEquals(0, run.exitCode(), run.name() + ": spark-submit failed:\n" + run.outputTail());
        assertNotNull(run.app(), run.name() + ": no YARN application was created:\n" + run.outputTail());
        assertEquals(FinalApplicationStatus.SUCCEEDED, run.app().getFinalApplicationStatus(),
                run.name() + ": " + run.app().getDiagnostics() + "\n" + run.outputTail());
        // YARN may grant more containers than asked for; Spark launches executors in two and releases the rest
        List<ContainerReport> granted = run.executorContainers(cluster.client);
        int executors = 0;
        for (ContainerReport c : granted) {
            assertEquals(executorContainerMb, c.getAllocatedResource().getMemorySize(), run.name() + ": " + c.getContainerId() + " memory");
            assertEquals(1, c.getAllocatedResource().getVirtualCores(), run.name() + ": " + c.getContainerId() + " vcores");
            java.nio.file.Path stderr = containerLogFile(cluster, run, c.getContainerId().toString());
            if (Files.exists(stderr) && Files.readString(stderr).contains("YarnCoarseGrainedExecutorBackend")) {
                executors++;
            }
        }
        assertEquals(2, executors, run.name() + ": containers that ran a Spark executor, of " + granted);
    }

    private static java.nio.file.Path containerLogFile(YarnMiniCluster cluster, YarnSubmit.Run run, String containerId) {
        return cluster.nodeManagerLogDir().resolve(run.appId().toString()).resolve(containerId).resolve("stderr");
    }

    private static String containerLog(YarnMiniCluster cluster, YarnSubmit.Run run, String containerId) throws Exception {
        java.nio.file.Path stderr = containerLogFile(cluster, run, containerId);
        assertTrue(Files.exists(stderr), "no container log " + stderr);
        return Files.readString(stderr);
    }

    private static void assertModelLoads(FileSystem fs, String model) {
        ComputationGraph net = ModelStore.load(new Path(model), fs.getConf());
        assertTrue(net.numParams() > 200_000, model + ": " + net.numParams() + " parameters");
    }

    private static String timing(YarnSubmit.Run run) {
        return run.name() + " (" + run.deployMode() + ") " + run.took().toSeconds() + " s";
    }
}
