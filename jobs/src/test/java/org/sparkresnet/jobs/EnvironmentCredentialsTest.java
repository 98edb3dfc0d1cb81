package org.sparkresnet.jobs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.data.S3ProxyEndpoint;
import org.sparkresnet.jobs.cli.Main;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Secrets (issue 17), the environment route: the S3 keys only in {@code AWS_ACCESS_KEY_ID} and
 * {@code AWS_SECRET_ACCESS_KEY} of the jobs' own processes, as a cron entry or a Kubernetes secret gives them. S3A
 * reads them through its default credential chain, and Spark copies them into every Hadoop configuration it makes
 * ({@code fs.s3a.secret.key} among others), so they travel wherever that configuration does. prepare, train and a
 * failing evaluate each run as their own JVM against s3proxy; the secret must appear in nothing they printed and no
 * object they wrote. (S3TrainingStoreTest covers the Hadoop-configuration route in-process.)
 */
class EnvironmentCredentialsTest {
    private static final int TIMEOUT_MINUTES = 5;

    @TempDir
    Path work;

    @Test
    void keysFromTheEnvironmentReachS3AndAppearInNothingPrintedOrWritten() throws Exception {
        try (S3ProxyEndpoint s3 = S3ProxyEndpoint.start("env-keys", List.of("models"))) {
            String data = "s3a://models/env/data";
            String run = "s3a://models/env/run";
            StringBuilder printed = new StringBuilder();
            printed.append(job(s3, 0, "prepare", "--dataset", "fashion-mnist", "--input", FashionMnist.requireDir().toString(),
                    "--output", data, "--limit", "256", "--master", "local[2]"));
            printed.append(job(s3, 0, "train", "--data", data, "--output", run, "--epochs", "1", "--batch", "32",
                    "--master", "local[2]"));
            String failed = job(s3, 2, "evaluate", "--model", "s3a://models/env/none/model.zip", "--data", data, "--master", "local[2]");
            assertTrue(failed.contains("s3a://models/env/none/model.zip"), "the failure names the URI: " + failed);
            printed.append(failed);

            String secret = s3.secretKey();
            assertTrue(printed.toString().contains("epoch 1/1 done"), "the jobs' output was captured: " + printed);
            assertFalse(printed.toString().contains(secret), "the secret key was printed");
            int objects = 0;
            try (var files = Files.walk(s3.directory().resolve("blobs/models"))) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                    assertFalse(content.contains(secret), "the secret key is in " + file);
                    objects++;
                }
            }
            assertTrue(objects > 10, "the dataset and the run were searched: " + objects + " objects");
        }
    }

    /**
     * Runs {@code resnet ARGS} as its own JVM (this JVM's flags and class path) with the keys in its environment and
     * the endpoint, without keys, in its Spark configuration; returns what it printed after checking its exit code.
     */
    private String job(S3ProxyEndpoint s3, int expectedExit, String... args) throws IOException, InterruptedException {
        List<String> endpoint = s3.connectionSettings().entrySet().stream().map(e -> "-Dspark.hadoop." + e.getKey() + "=" + e.getValue()).toList();
        List<String> command = ChildJvm.command(endpoint, Main.class, List.of(args));
        Path log = Files.createTempFile(work, args[0], ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("AWS_ACCESS_KEY_ID", s3.accessKey());
        builder.environment().put("AWS_SECRET_ACCESS_KEY", s3.secretKey());
        Process process = builder.start();
        if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(args[0] + " did not finish in " + TIMEOUT_MINUTES + " minutes:\n" + Files.readString(log));
        }
        String output = Files.readString(log);
        assertEquals(expectedExit, process.exitValue(), args[0] + " exit code; output:\n" + output);
        return output;
    }
}
