package org.sparkresnet.jobs;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.sparkresnet.data.S3ProxyEndpoint;
import org.sparkresnet.jobs.store.Checkpoints;
import org.sparkresnet.jobs.train.TrainResult;
import org.sparkresnet.jobs.train.Trainer;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link StorageOutageContract} on S3: s3proxy, in its own process, killed with SIGKILL and started again on the same
 * port over the same objects. Bucket {@code outage} fails fast (one retry) to keep the test short; bucket
 * {@code steady} has the settings every job gets ({@link org.sparkresnet.data.fs.StorageRetry}), with which an outage
 * shorter than their patience is ridden out without the run noticing.
 */
class S3StorageOutageTest extends StorageOutageContract {
    private S3ProxyEndpoint s3;

    @Override
    void startStore(Configuration conf) throws Exception {
        s3 = S3ProxyEndpoint.start("s3-outage", List.of("outage", "steady"));
        s3.configure(conf);
        conf.set("fs.s3a.bucket.outage.retry.limit", "1");
        conf.set("fs.s3a.bucket.outage.retry.interval", "100ms");
        conf.set("fs.s3a.bucket.outage.attempts.maximum", "1");
    }

    @Override
    void stopService() throws Exception {
        s3.kill();
    }

    @Override
    void restartService() throws Exception {
        s3.restart();
    }

    @Override
    void stopStore() throws Exception {
        // Hadoop caches a file system per scheme and bucket, not per endpoint: later tests in this JVM must not get ours
        for (String bucket : List.of("s3a://outage/", "s3a://steady/")) {
            org.apache.hadoop.fs.FileSystem.get(java.net.URI.create(bucket), conf).close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @Override
    Path root() {
        return new Path("s3a://outage/runs");
    }

    @Test
    void aShortOutageDuringACheckpointWriteIsRiddenOutWithTheJobsRetrySettings() throws Exception {
        Path run = new Path("s3a://steady/outage/short-run");
        Thread[] restarter = new Thread[1];
        long[] killedAt = new long[1];
        TrainResult result = new Trainer(sc, killOn("epoch 1/2 done", () -> { }, () -> {
            killedAt[0] = System.nanoTime();
            restarter[0] = new Thread(() -> {
                try {
                    Thread.sleep(15_000);
                    s3.restart();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            restarter[0].start();
        }), Duration.ZERO).run(request(run));
        restarter[0].join();
        assertTrue(System.nanoTime() - killedAt[0] > 15e9, "the run went on through the outage");
        assertEquals(2, result.epochs().size());
        assertEquals(2, new Checkpoints(run, conf).latestComplete().orElseThrow().marker().epochsDone());
        assertTrue(filesystem(run).exists(new Path(run, Trainer.MODEL_FILE)));
    }
}
