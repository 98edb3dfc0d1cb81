package org.sparkresnet.jobs;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.sparkresnet.data.S3ProxyEndpoint;
import org.sparkresnet.jobs.store.RunManifest;
import org.sparkresnet.jobs.train.Trainer;

import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TrainingStoreContract} on a real S3 API (s3proxy in its own process) through the S3A connector; every path an
 * s3a:// URI, the keys only in the job's Hadoop configuration.
 */
class S3TrainingStoreTest extends TrainingStoreContract {
    private java.nio.file.Path dir;
    private S3ProxyEndpoint s3;

    @Override
    void startStore(Configuration conf) throws Exception {
        dir = Files.createTempDirectory("jobs-s3proxy");
        s3 = S3ProxyEndpoint.start(dir, List.of("models"));
        s3.configure(conf);
    }

    @Override
    Path root() {
        return new Path("s3a://models/jobs-test");
    }

    @Override
    void stopStore() throws Exception {
        if (s3 != null) {
            s3.close();
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    void theRunLivesInS3ProxysBlobStoreAndNamesNoCredentials() throws Exception {
        try (var files = Files.walk(dir.resolve("blobs/models"))) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().equals(Trainer.MODEL_FILE)), "model.zip is an object in s3proxy's store");
        }
        assertFalse(read(new Path(run, RunManifest.FILE_NAME)).contains(s3.secretKey()), "no credentials in run.json");
    }
}
