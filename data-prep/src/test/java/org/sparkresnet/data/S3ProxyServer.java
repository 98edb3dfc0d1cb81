package org.sparkresnet.data;

import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real S3 endpoint for tests: s3proxy 4.1.0 with its filesystem blob store, run as a separate JVM from its
 * self-contained jar (copied to target/s3proxy by the build), listening on 127.0.0.1 only. A separate process keeps its
 * Jetty 12 / Guava 33 / Jackson 3 off the test class path, beside Spark's.
 */
final class S3ProxyServer implements AutoCloseable {
    static final Path JAR = Path.of("target/s3proxy/s3proxy.jar");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Path dir;
    private Process process;
    private final int port;
    private final String accessKey;
    private final String secretKey;

    private S3ProxyServer(Path dir, int port, String accessKey, String secretKey) {
        this.dir = dir;
        this.port = port;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    /** Starts s3proxy storing blobs under {@code dir}, with one empty bucket per name in {@code buckets}. */
    static S3ProxyServer start(Path dir, List<String> buckets) throws IOException, InterruptedException {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: run the module's Maven build (process-test-resources copies it)");
        }
        Path blobs = Files.createDirectories(dir.resolve("blobs"));
        for (String bucket : buckets) {
            Files.createDirectories(blobs.resolve(bucket)); // the filesystem blob store: a bucket is a folder
        }
        int port = freePort();
        // per-run random keys: nothing real to leak, and proof that the keys really come from the Hadoop configuration
        String accessKey = "test-" + Long.toHexString(System.nanoTime());
        String secretKey = java.util.UUID.randomUUID().toString();
        Path properties = dir.resolve("s3proxy.properties");
        Files.writeString(properties, String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + accessKey,
                "s3proxy.credential=" + secretKey,
                "jclouds.provider=filesystem-nio2",
                "jclouds.filesystem.basedir=" + blobs.toAbsolutePath(), ""));
        S3ProxyServer server = new S3ProxyServer(dir, port, accessKey, secretKey);
        server.launch();
        return server;
    }

    private void launch() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path log = dir.resolve("s3proxy.log");
        process = new ProcessBuilder(java, "-Xmx256m", "-jar", JAR.toAbsolutePath().toString(), "--properties",
                dir.resolve("s3proxy.properties").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        awaitListening(log);
    }

    /** An outage: the endpoint's process is killed (SIGKILL, as a crashed host), its stored objects kept. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** The endpoint back after {@link #kill()}: same port, keys and objects. */
    void restart() throws IOException, InterruptedException {
        if (process.isAlive()) {
            throw new IllegalStateException("s3proxy is still running");
        }
        launch();
    }

    /** The S3A settings a job needs for this endpoint: endpoint, path-style buckets, plain HTTP and the keys. */
    void configure(Configuration conf) {
        connectionSettings().forEach(conf::set);
        conf.set("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        conf.set("fs.s3a.access.key", accessKey);
        conf.set("fs.s3a.secret.key", secretKey);
    }

    /** The S3A settings that reach this endpoint, without credentials: endpoint, path-style buckets, plain HTTP, region. */
    java.util.Map<String, String> connectionSettings() {
        return java.util.Map.of("fs.s3a.endpoint", "http://127.0.0.1:" + port, "fs.s3a.path.style.access", "true",
                "fs.s3a.connection.ssl.enabled", "false", "fs.s3a.attempts.maximum", "2", "fs.s3a.endpoint.region", "us-east-1");
    }

    String accessKey() {
        return accessKey;
    }

    String secretKey() {
        return secretKey;
    }

    private void awaitListening(Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("s3proxy exited with " + process.exitValue() + ": " + Files.readString(log));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        close();
        throw new IllegalStateException("s3proxy did not listen on 127.0.0.1:" + port + " within " + START_TIMEOUT + ": " + Files.readString(log));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
