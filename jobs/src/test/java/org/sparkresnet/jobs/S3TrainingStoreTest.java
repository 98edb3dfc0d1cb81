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
    private S3ProxyEndpoint s3;

    @Override
    void startStore(Configuration conf) throws Exception {
        s3 = S3ProxyEndpoint.start("jobs-s3proxy", List.of("models"));
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
    }

    @Test
    void theRunLivesInS3ProxysBlobStoreAndNamesNoCredentials() throws Exception {
        try (var files = Files.walk(s3.directory().resolve("blobs/models"))) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().equals(Trainer.MODEL_FILE)), "model.zip is an object in s3proxy's store");
        }
        assertFalse(read(new Path(run, RunManifest.FILE_NAME)).contains(s3.secretKey()), "no credentials in run.json");
    }

    /**
     * Secrets (issue 17): the S3 secret key given in the Hadoop configuration appears in nothing the jobs wrote (every
     * object of the dataset and the run: manifests, run.json, metrics, report, TensorBoard files, checkpoints, model),
     * nothing they printed, and no error message about an S3 path.
     */
    @Test
    void theSecretKeyAppearsInNothingWrittenPrintedOrThrown() throws Exception {
        String secret = s3.secretKey();
        assertTrue(secret.length() >= 32, "a recognisable secret: " + secret);
        int objects = 0;
        try (var files = Files.walk(s3.directory())) {
            for (java.nio.file.Path file : files.filter(Files::isRegularFile).toList()) {
                if (file.getFileName().toString().endsWith(".properties")) {
                    continue; // s3proxy's own configuration, written by the test harness, holds the credential by design
                }
                String content = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertFalse(content.contains(secret), "the secret key is in " + file);
                objects++;
            }
        }
        assertTrue(objects > 10, "the dataset and the run were searched: " + objects + " files");
        String output = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(output.contains("epoch 2/2 done"), "the jobs' output was captured: " + output);
        assertFalse(output.contains(secret), "the secret key was printed");
        Exception missing = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> org.sparkresnet.jobs.eval.Evaluator.run(sc,
                new Path(root(), "runs/none/model.zip").toString(), new Path(dataUri, Trainer.TEST_SPLIT).toString()));
        for (Throwable t = missing; t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains(secret), "the secret key is in an error message: " + t);
        }
    }
}
