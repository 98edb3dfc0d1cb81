package org.sparkresnet.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A real Spark standalone cluster on this machine: a Master and Workers, each its own JVM started from the stock
 * Spark's jars only (as sbin/start-master.sh and start-worker.sh would), the Workers launching executors and, in
 * cluster deploy mode, drivers as further JVMs.
 */
final class StandaloneCluster implements AutoCloseable {
    private final List<Process> processes = new ArrayList<>();
    private final int port;
    private final int webUiPort;

    private StandaloneCluster(int port, int webUiPort) {
        this.port = port;
        this.webUiPort = webUiPort;
    }

    /** Starts a master and {@code workers} workers of {@code cores} cores and {@code memory} each; waits until all are alive. */
    static StandaloneCluster start(Path work, int workers, int cores, String memory, Duration timeout) {
        StandaloneCluster cluster = new StandaloneCluster(freePort(), freePort());
        try {
            cluster.launch(work.resolve("master.log"), List.of("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                    "--port", String.valueOf(cluster.port), "--webui-port", String.valueOf(cluster.webUiPort)));
            for (int i = 0; i < workers; i++) {
                Path dir = Files.createDirectories(work.resolve("worker-" + i));
                cluster.launch(work.resolve("worker-" + i + ".log"), List.of("org.apache.spark.deploy.worker.Worker",
                        "--host", "127.0.0.1", "--cores", String.valueOf(cores), "--memory", memory, "--work-dir", dir.toString(),
                        "--webui-port", String.valueOf(freePort()), cluster.url()));
            }
            cluster.awaitState(s -> s.path("aliveworkers").asInt() == workers, timeout, workers + " alive workers");
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    String url() {
        return "spark://127.0.0.1:" + port;
    }

    /** The master's state as its web UI serves it (/json): workers, active and completed apps and drivers. */
    JsonNode state() {
        try {
            return new ObjectMapper().readTree(new URL("http://127.0.0.1:" + webUiPort + "/json/"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the master's state", e);
        }
    }

    JsonNode awaitState(Predicate<JsonNode> condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = state();
                if (condition.test(last)) {
                    return last;
                }
            } catch (UncheckedIOException notUpYet) {
                // the master's web UI is still starting
            }
            sleep(500);
        }
        throw new IllegalStateException("the standalone cluster did not reach " + what + " within " + timeout + "; last state: " + last);
    }

    private void launch(Path log, List<String> mainAndArgs) throws IOException {
        List<String> command = new ArrayList<>(List.of("java", "-Xmx512m", "-cp", StockSpark.home().resolve("jars") + "/*"));
        command.addAll(mainAndArgs);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(StockSpark.environment());
        processes.add(pb.start());
    }

    @Override
    public void close() {
        for (int i = processes.size() - 1; i >= 0; i--) {
            Process p = processes.get(i);
            p.descendants().forEach(ProcessHandle::destroyForcibly); // executors and drivers the workers launched
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
