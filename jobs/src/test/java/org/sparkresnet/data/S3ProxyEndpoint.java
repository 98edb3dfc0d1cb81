package org.sparkresnet.data;

import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The jobs tests' handle on data-prep's package-private {@link S3ProxyServer} (from data-prep's test-jar): a real S3
 * endpoint, s3proxy run as its own process. It lives in data-prep's package only to reach that class.
 */
public final class S3ProxyEndpoint implements AutoCloseable {
    private final S3ProxyServer server;

    private S3ProxyEndpoint(S3ProxyServer server) {
        this.server = server;
    }

    /** Starts s3proxy storing blobs under {@code dir}, with one empty bucket per name in {@code buckets}. */
    public static S3ProxyEndpoint start(Path dir, List<String> buckets) throws IOException, InterruptedException {
        return new S3ProxyEndpoint(S3ProxyServer.start(dir, buckets));
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

    public String secretKey() {
        return server.secretKey();
    }

    @Override
    public void close() throws InterruptedException {
        server.close();
    }
}
