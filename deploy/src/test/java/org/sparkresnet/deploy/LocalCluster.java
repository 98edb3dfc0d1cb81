package org.sparkresnet.deploy;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkresnet.data.PrepareJob;
import org.sparkresnet.data.PrepareRequest;
import org.sparkresnet.jobs.bench.LocalClusterSpark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real multi-process Spark cluster on this machine: local-cluster starts a master and worker threads here,
 * and each worker launches its executor as a separate JVM from $SPARK_HOME/jars. Failsafe points SPARK_HOME at
 * target/spark-home, which this class fills: jars/ is the build's full runtime classpath (target/lib).
 */
final class LocalCluster {
    /** Real Fashion-MNIST from the Debian package dataset-fashion-mnist, which .ci/run installs. */
    static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
    private LocalCluster() {
    }

    static JavaSparkContext start(String appName, int executors, int memoryPerExecutorMb) {
        layOutSparkHome();
        SparkConf conf = LocalClusterSpark.conf(appName, executors, memoryPerExecutorMb);
        return new JavaSparkContext(conf);
    }

    /** Fills $SPARK_HOME (target/spark-home, set by failsafe) for local-cluster: jars/ is the build's target/lib. */
    static void layOutSparkHome() {
        Path target = Path.of(System.getProperty("deploy.target", "target"));
        Path sparkHome = Path.of(System.getenv("SPARK_HOME"));
        try {
            Files.createDirectories(sparkHome);
            Path jars = sparkHome.resolve("jars");
            if (!Files.exists(jars)) {
                Files.createSymbolicLink(jars, target.resolve("lib").toAbsolutePath());
            }
            // RELEASE marks a binary distribution: Spark's launcher then takes the classpath from jars/.
            Files.writeString(sparkHome.resolve("RELEASE"), "Spark 3.5 (spark-resnet test distribution)\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lay out SPARK_HOME at " + sparkHome, e);
        }
    }

    /**
     * Waits until {@code executors} executor JVMs have registered with the driver, so that a job's tasks can spread
     * over all of them (the standalone scheduler starts jobs with whichever executors have registered so far).
     */
    static void awaitExecutors(JavaSparkContext sc, int executors, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (registeredExecutors(sc) < executors) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + registeredExecutors(sc) + " of " + executors + " executors registered within " + timeout);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for executors", e);
            }
        }
    }

    /** The executor JVMs this JVM's local-cluster started (its descendants running CoarseGrainedExecutorBackend). */
    static List<ProcessHandle> executorJvms() {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend")).toList();
    }

    private static int registeredExecutors(JavaSparkContext sc) {
        return sc.sc().statusTracker().getExecutorInfos().length - 1; // the driver is listed too
    }

    /** Prepares the first {@code limit} images of each Fashion-MNIST split into {@code dir} on the cluster; returns its URI. */
    static String prepareFashionMnist(JavaSparkContext sc, Path dir, int limit) {
        if (!Files.exists(FASHION_MNIST.resolve("train-images-idx3-ubyte.gz"))) {
            throw new IllegalStateException("Fashion-MNIST missing in " + FASHION_MNIST + ": apt-get install dataset-fashion-mnist");
        }
        String data = dir.toUri().toString();
        PrepareJob.run(sc, new PrepareRequest("fashion-mnist", FASHION_MNIST.toUri().toString(), data, 256, false, limit));
        return data;
    }
}
