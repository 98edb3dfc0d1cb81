package org.sparkresnet.data;

import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

/**
 * The jobs tests' handle on data-prep's package-private {@link S3ProxyServer} (from data-prep's test-jar): a real S3
 * endpoint, s3proxy run as its own process. It lives in data-prep's package only to reach that class.
 */
public final class S3ProxyEndpoint implements AutoCloseable {
    private final S3ProxyServer server;
    private final Path dir;

    private S3ProxyEndpoint(S3ProxyServer server, Path dir) {
        this.server = server;
        this.dir = dir;
    }

    /**
     * Starts s3proxy storing blobs under a new temporary folder (deleted on {@link #close()}), with one empty bucket per
     * name in {@code buckets}.
     */
    public static S3ProxyEndpoint start(String prefix, List<String> buckets) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(prefix);
        return new S3ProxyEndpoint(S3ProxyServer.start(dir, buckets), dir);
    }

    /** s3proxy's folder: its configuration, log, and blobs/BUCKET/KEY, a file per object. */
    public Path directory() {
        return dir;
    }

    /** Sets the S3A endpoint, path-style access and this run's keys in {@code conf}. */
    public void configure(Configuration conf) {
        server.configure(conf);
    }

    /** An outage: the endpoint's process is killed, its stored objects kept. */
    public void kill() throws InterruptedException {
        server.kill();
    }

    /** The endpoint back after {@link #kill()}: same port, keys and objects. */
    public void restart() throws IOException, InterruptedException {
        server.restart();
    }

    /** The S3A settings that reach this endpoint, without credentials (for a job given its keys another way). */
    public java.util.Map<String, String> connectionSettings() {
        return server.connectionSettings();
    }

    public String accessKey() {
        return server.accessKey();
    }

    public String secretKey() {
        return server.secretKey();
    }

    @Override
    public void close() throws InterruptedException, IOException {
        server.close();
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
