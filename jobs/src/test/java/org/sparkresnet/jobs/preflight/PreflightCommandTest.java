package org.sparkresnet.jobs.preflight;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.jobs.cli.Main;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command on Spark local[2], where the driver runs the tasks: its own checks, the report, the exit codes. */
class PreflightCommandTest {
    @TempDir
    Path work;

    @Test
    void aMissingDataFolderFailsWithExitCode3AndTheJsonReport() throws Exception {
        int port;
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            port = socket.getLocalPort();
        }
        Path json = work.resolve("report.json");
        String missing = work.resolve("no-data").toString(); // as a user types it; reported qualified
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        int code;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            code = Main.commandLine().execute("preflight", "--master", "local[2]", "--data", missing, "--output",
                    work.resolve("out").toString(), "--mode", "sharing", "--aeron-port", String.valueOf(port), "--json", json.toString());
        } finally {
            System.setOut(stdout);
        }
        String table = captured.toString(StandardCharsets.UTF_8);
        System.out.print(table);
        assertEquals(PreflightReport.CHECK_FAILED, code);
        assertTrue(table.contains("preflight FAILED"), table);
        JsonNode report = new ObjectMapper().readTree(Files.readString(json));
        assertEquals(3, report.get("exitCode").asInt());
        assertEquals("PASS", status(report, "driver", "master"));
        assertEquals("PASS", status(report, "driver", "native"));
        assertEquals("PASS", status(report, "driver", "jvm-flags"));
        assertEquals("PASS", status(report, "driver", "memory"), "local master: no container to fit");
        assertEquals("PASS", status(report, "driver", "output"));
        assertEquals("PASS", status(report, "driver", "aeron-udp"));
        assertEquals("FAIL", status(report, "driver", "data"));
        assertTrue(find(report, "driver", "data").get("detail").asText().startsWith("file:" + missing + " does not exist"));
        assertTrue(find(report, "driver", "dev-shm") != null);
        assertTrue(!Files.exists(work.resolve("out")), "the output is only probed");
    }

    @Test
    void badUsageExitsWithCode2() {
        assertEquals(2, Main.commandLine().execute("preflight", "--data", "d", "--output", "o", "--mode", "ring"));
        assertEquals(2, Main.commandLine().execute("preflight", "--data", "d"), "--output is required");
    }

    private static String status(JsonNode report, String where, String check) {
        JsonNode row = find(report, where, check);
        return row == null ? "missing" : row.get("status").asText();
    }

    private static JsonNode find(JsonNode report, String where, String check) {
        for (JsonNode row : report.get("checks")) {
            if (row.get("where").asText().equals(where) && row.get("check").asText().equals(check)) {
                return row;
            }
        }
        return null;
    }
}
