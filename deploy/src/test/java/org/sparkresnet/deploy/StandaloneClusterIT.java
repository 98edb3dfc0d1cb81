package org.sparkresnet.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The project as a user runs it on a Spark standalone cluster: a Master and two Workers as separate JVMs on exactly a
 * stock Spark 3.5.9's jars ({@link StockSpark}), the jobs submitted with the packaged distribution's bin/resnet-submit
 * (Spark's real spark-submit; lib/ shipped with --jars), data and models on a real HDFS (MiniDFSCluster). Client deploy
 * mode: prepare, train by parameter averaging, evaluate. Cluster deploy mode (the driver in a JVM a Worker launches):
 * train by gradient sharing, whose parameter server then lives in that JVM on a Worker's host, and evaluate. Each job
 * and each deploy mode runs once (as in {@link YarnClusterIT}); every submission starts JVMs and ships lib/, so a
 * third of CI's time went to running the same jobs in both modes. Success is judged by what the jobs wrote and by the
 * master's record of each driver, not by spark-submit's exit code: in standalone cluster mode it exits 0 when the
 * driver fails, which the last test shows.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterIT {
    private static final int IMAGES = 1024;
    private static final long SUBMIT_TIMEOUT_S = 420;

    @TempDir
    static java.nio.file.Path work;
    private static MiniDFSCluster hdfs;
    private static StandaloneCluster cluster;
    private static String root;
    private static FileSystem fs;

    @BeforeAll
    static void startClusters() throws IOException {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, work.resolve("hdfs").toString());
        hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        fs = hdfs.getFileSystem();
        root = fs.getUri() + "/standalone";
        // Each worker offers 2 cores and 3 GB: room for one 1-core executor each, and in cluster mode for the driver too.
        cluster = StandaloneCluster.start(work, 2, 2, "3g", Duration.ofSeconds(90));
    }

    @AfterAll
    static void stopClusters() {
        if (cluster != null) {
            cluster.close();
        }
        if (hdfs != null) {
            hdfs.shutdown();
        }
    }

    @Test
    @Order(1)
    void clientModePreparesTrainsByAveragingAndEvaluatesOnHdfs() throws IOException {
        prepare(root + "/data");
        train("client", "averaging", root + "/data", root + "/averaging-client");
        assertEquals(2, coresOf(cluster.state(), "resnet-train"), "training ran on two one-core executors");

        submit("client", "evaluate-averaging", List.of("evaluate", "--model", root + "/averaging-client/model.zip", "--data", root + "/data"));
        assertAboveChance(root + "/averaging-client/evaluation-test.json");
    }

    @Test
    @Order(2)
    void clusterModeTrainsBySharingAndEvaluates() throws IOException {
        train("cluster", "sharing", root + "/data", root + "/sharing-cluster");

        StockSpark.Outcome evaluate = submit("cluster", "evaluate-sharing", List.of("evaluate", "--model", root + "/sharing-cluster/model.zip",
                "--data", root + "/data"));
        assertDriverFinished(evaluate);
        assertAboveChance(root + "/sharing-cluster/evaluation-test.json");
    }

    @Test
    @Order(3)
    void clusterModeExitsZeroWhenTheDriverFailsSoTheMastersRecordDecides() {
        StockSpark.Outcome missing = submit("cluster", "evaluate-missing", List.of("evaluate", "--model", root + "/no-such-run/model.zip",
                "--data", root + "/data"));
        assertEquals(0, missing.exitCode(), "spark-submit in standalone cluster mode reports only the submission:\n" + missing);
        String id = driverId(missing);
        JsonNode driver = cluster.awaitState(s -> completedDriver(s, id) != null, Duration.ofSeconds(60), "driver " + id + " completed")
                .path("completeddrivers");
        assertEquals("FAILED", completedDriverState(cluster.state(), id), "the master records the failed driver: " + driver);
    }

    /** Prepare in client mode (the driver, and so the writing of the manifests, on this machine). */
    private void prepare(String output) throws IOException {
        submit("client", "prepare-client", List.of("prepare", "--dataset", "fashion-mnist",
                "--input", LocalCluster.FASHION_MNIST.toString(), "--output", output, "--limit", String.valueOf(IMAGES), "--shard-size", "256"));
        assertTrue(fs.exists(new Path(output + "/train/manifest.json")) && fs.exists(new Path(output + "/test/manifest.json")),
                "prepare wrote both splits' manifests to HDFS");
    }

    /** Trains resnet20 for one epoch; sharing takes free UDP ports (see FreeUdpPorts). */
    private void train(String deployMode, String mode, String data, String output) throws IOException {
        List<String> job = new ArrayList<>(List.of("train", "--data", data, "--output", output, "--model", "resnet20",
                "--epochs", "1", "--batch", "32", "--mode", mode));
        if (mode.equals("sharing")) {
            job.addAll(List.of("--aeron-port", String.valueOf(FreeUdpPorts.range(3))));
        }
        StockSpark.Outcome outcome = submit(deployMode, "train-" + mode + "-" + deployMode, job);
        if (deployMode.equals("cluster")) {
            assertDriverFinished(outcome);
        }
        assertModelLoads(output + "/model.zip");
    }

    private StockSpark.Outcome submit(String deployMode, String name, List<String> job) {
        List<String> options = new ArrayList<>(List.of("--master", cluster.url(), "--deploy-mode", deployMode,
                "--executor-memory", "1g", "--executor-cores", "1", "--total-executor-cores", "2",
                "--conf", "spark.standalone.submit.waitAppCompletion=true"));
        if (deployMode.equals("cluster")) {
            options.addAll(List.of("--driver-memory", "1g", "--driver-cores", "1"));
        } else {
            options.addAll(List.of("--driver-memory", "1536m"));
        }
        java.nio.file.Path log = work.resolve(name + ".log");
        StockSpark.Outcome outcome = StockSpark.run(StockSpark.resnetSubmit(options, job), Map.of("RESNET_DRIVER_OFFHEAP", "2G"),
                log, SUBMIT_TIMEOUT_S);
        if (!name.endsWith("missing")) {
            assertEquals(0, outcome.exitCode(), name + " failed:\n" + outcome);
        }
        return outcome;
    }

    private void assertDriverFinished(StockSpark.Outcome submission) {
        String id = driverId(submission);
        cluster.awaitState(s -> completedDriver(s, id) != null, Duration.ofSeconds(60), "driver " + id + " completed");
        assertEquals("FINISHED", completedDriverState(cluster.state(), id), "driver " + id + ":\n" + submission
                + "\ndriver's stderr:\n" + driverStderr(id));
    }

    /** The stderr of a driver a Worker ran in cluster mode: WORK_DIR/driver-ID/stderr. */
    private static String driverStderr(String id) {
        for (int i = 0; i < 2; i++) {
            java.nio.file.Path log = work.resolve("worker-" + i).resolve(id).resolve("stderr");
            if (java.nio.file.Files.exists(log)) {
                try {
                    return StockSpark.tail(java.nio.file.Files.readString(log), 8000);
                } catch (IOException e) {
                    return "unreadable: " + e;
                }
            }
        }
        return "(no stderr found for " + id + ")";
    }

    private static String driverId(StockSpark.Outcome submission) {
        Matcher m = Pattern.compile("(driver-\\d+-\\d+)").matcher(submission.output());
        assertTrue(m.find(), "spark-submit names the driver it submitted:\n" + submission);
        return m.group(1);
    }

    private static JsonNode completedDriver(JsonNode state, String id) {
        for (JsonNode d : state.path("completeddrivers")) {
            if (id.equals(d.path("id").asText())) {
                return d;
            }
        }
        return null;
    }

    private static String completedDriverState(JsonNode state, String id) {
        JsonNode d = completedDriver(state, id);
        return d == null ? "not completed" : d.path("state").asText();
    }

    /** The cores the master granted the last completed application of that name. */
    private static int coresOf(JsonNode state, String appName) {
        int cores = -1;
        for (JsonNode app : state.path("completedapps")) {
            if (appName.equals(app.path("name").asText())) {
                cores = app.path("cores").asInt();
            }
        }
        return cores;
    }

    private void assertModelLoads(String uri) throws IOException {
        try (InputStream in = fs.open(new Path(uri))) {
            ComputationGraph model = ModelSerializer.restoreComputationGraph(in, false);
            assertTrue(model.numParams() > 200_000, "resnet20 restored from " + uri + ": " + model.numParams() + " parameters");
        }
    }

    private void assertAboveChance(String evaluationJson) throws IOException {
        try (InputStream in = fs.open(new Path(evaluationJson))) {
            JsonNode doc = new ObjectMapper().readTree(in);
            double accuracy = doc.path("accuracy").asDouble();
            assertTrue(doc.path("images").asInt() > 0, evaluationJson + ": " + doc.path("images"));
            assertTrue(accuracy > 0.3, "test accuracy well above chance (0.1) after one epoch on " + IMAGES + " images: " + accuracy);
        }
    }
}
