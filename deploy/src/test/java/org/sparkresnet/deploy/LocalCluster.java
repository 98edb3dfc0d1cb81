package org.sparkresnet.deploy;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkresnet.data.spark.SparkContexts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real multi-process Spark cluster on this machine: local-cluster starts a master and worker threads here,
 * and each worker launches its executor as a separate JVM from $SPARK_HOME/jars. Failsafe points SPARK_HOME at
 * target/spark-home, which this class fills: jars/ is the build's full runtime classpath (target/lib).
 */
final class LocalCluster {
    private LocalCluster() {
    }

    static JavaSparkContext start(String appName, int executors, int memoryPerExecutorMb) {
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
        SparkConf conf = SparkContexts.conf(appName, "local-cluster[" + executors + ",1," + memoryPerExecutorMb + "]")
                .set("spark.executor.memory", memoryPerExecutorMb + "m");
        // ND4J keeps its arrays off-heap: cap them per executor JVM.
        conf.set("spark.executor.extraJavaOptions", conf.get("spark.executor.extraJavaOptions")
                + " -Dorg.bytedeco.javacpp.maxbytes=2G -Dorg.bytedeco.javacpp.maxphysicalbytes=4G");
        return new JavaSparkContext(conf);
    }
}
