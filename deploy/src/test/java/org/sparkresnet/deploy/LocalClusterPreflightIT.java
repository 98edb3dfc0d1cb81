package org.sparkresnet.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.jobs.cli.Main;
import org.sparkresnet.jobs.preflight.ReadOnlyFolder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code preflight} as a user runs it, against a real master with two executor JVMs (local-cluster): once with a missing
 * data folder, a read-only output, an overhead too small for ND4J's off-heap cap and gradient sharing's UDP exchange on
 * loopback (exit code 3, every problem named on the driver and on both executors), and once with prepared data and a
 * sized container (exit code 0). Settings reach the job as spark-submit passes them: spark.* system properties.
 */
class LocalClusterPreflightIT {
    private static final String MASTER = "local-cluster[2,1,1024]";
    private static final List<String> EXECUTORS = List.of("executor 0", "executor 1");
    private final List<String> properties = new ArrayList<>();
    @TempDir
    Path work;

    @AfterEach
    void clearProperties() {
        properties.forEach(System::clearProperty);
    }

    @Test
    void reportsEachProblemOnTheDriverAndOnBothExecutors() throws Exception {
        LocalCluster.layOutSparkHome();
        property("spark.executor.memoryOverhead", "384m"); // the executors' off-heap cap is their 1 GiB heap
        String data = work.resolve("no-such-data").toUri().toString();
        int aeronPort = FreeUdpPorts.range(3);
        Path readOnly = Files.createDirectories(work.resolve("read-only"));
        Path json = work.resolve("report.json");
        Run run;
        try (ReadOnlyFolder ignored = new ReadOnlyFolder(readOnly)) {
            run = preflight("--master", MASTER, "--data", data, "--output", readOnly.toString(), "--mode", "sharing",
                    "--aeron-port", String.valueOf(aeronPort), "--json", json.toString());
        }
        assertEquals(3, run.exitCode(), run.table());
        JsonNode report = new ObjectMapper().readTree(Files.readString(json));
        assertEquals(3, report.get("exitCode").asInt());
        assertEquals("PASS", status(report, "driver", "executors"), run.table());
        assertTrue(row(report, "driver", "executors").get("detail").asText().startsWith("2 registered"));
        String output = "file:" + readOnly;
        for (String where : List.of("driver", "executor 0", "executor 1")) {
            assertEquals("PASS", status(report, where, "native"), where + "\n" + run.table());
            assertTrue(detail(report, where, "native").startsWith("oneDNN in use"), detail(report, where, "native"));
            assertTrue(detail(report, where, "native").contains("conv=DnnlConvolutionHelper"), detail(report, where, "native"));
            assertEquals("PASS", status(report, where, "jvm-flags"), where);
            assertEquals("PASS", status(report, where, "aeron-udp"), where + "\n" + run.table());
            assertTrue(row(report, where, "dev-shm") != null, where);
            assertEquals("FAIL", status(report, where, "data"), where);
            assertTrue(detail(report, where, "data").startsWith(new org.apache.hadoop.fs.Path(data) + " does not exist"),
                    detail(report, where, "data"));
            assertEquals("FAIL", status(report, where, "output"), where);
            assertTrue(detail(report, where, "output").startsWith("cannot write to " + output), detail(report, where, "output"));
        }
        for (String executor : EXECUTORS) {
            assertEquals("FAIL", status(report, executor, "memory"), run.table());
            String advice = row(report, executor, "memory").get("advice").asText();
            assertTrue(advice.contains("spark.executor.memoryOverhead to at least 1408m"), advice);
            assertTrue(detail(report, executor, "aeron-udp").contains("127.0.0.1:" + (aeronPort + 1 + Integer.parseInt(executor.substring(9)))),
                    "executor n binds --aeron-port + 1 + n: " + detail(report, executor, "aeron-udp"));
        }
        assertTrue(run.table().contains("fix: "), run.table());
    }

    @Test
    void passesWithPreparedDataAndASizedContainer() throws Exception {
        LocalCluster.layOutSparkHome();
        Path data = work.resolve("data");
        assertEquals(0, Main.commandLine().execute("prepare", "--dataset", "fashion-mnist", "--input", LocalCluster.FASHION_MNIST.toString(),
                "--output", data.toString(), "--limit", "256", "--master", "local[1]"));
        property("spark.resnet.executor.offHeap", "256m"); // the overhead is then sized: 256 MiB + 384 MiB
        Run run = preflight("--master", MASTER, "--data", data.toString(), "--output", work.resolve("runs/run1").toString());
        assertEquals(0, run.exitCode(), run.table());
        assertTrue(run.table().contains("preflight passed"), run.table());
        assertFalse(Files.exists(work.resolve("runs")), "preflight only probes the output");
    }

    /**
     * SPARK_HOME for the executor JVMs, as LocalCluster lays it out: jars/ is the build's target/lib, RELEASE marks a
     * binary distribution (preflight starts its own context, so LocalCluster.start, which starts one, does not fit).
     */
    private void property(String key, String value) {
        System.setProperty(key, value);
        properties.add(key);
    }

    /** What a run printed and returned; the table is also echoed to the test's output. */
    private record Run(int exitCode, String table) {
    }

    private static Run preflight(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "preflight";
        System.arraycopy(args, 0, all, 1, args.length);
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        long start = System.nanoTime();
        int code;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            code = Main.commandLine().execute(all);
        } finally {
            System.setOut(stdout);
        }
        String table = captured.toString(StandardCharsets.UTF_8);
        System.out.print(table);
        System.out.printf("preflight exit code %d after %.1f s%n", code, (System.nanoTime() - start) / 1e9);
        return new Run(code, table);
    }

    private static String status(JsonNode report, String where, String check) {
        JsonNode row = row(report, where, check);
        return row == null ? "missing" : row.get("status").asText();
    }

    private static String detail(JsonNode report, String where, String check) {
        JsonNode row = row(report, where, check);
        return row == null ? "missing" : row.get("detail").asText();
    }

    /** The row of {@code check} whose place is {@code where} ("driver", or "executor N" for "executor N (host)"). */
    private static JsonNode row(JsonNode report, String where, String check) {
        for (JsonNode row : report.get("checks")) {
            String place = row.get("where").asText();
            boolean matches = where.equals("driver") ? place.equals("driver") : place.startsWith(where + " (");
            if (matches && row.get("check").asText().equals(check)) {
                return row;
            }
        }
        return null;
    }
}
