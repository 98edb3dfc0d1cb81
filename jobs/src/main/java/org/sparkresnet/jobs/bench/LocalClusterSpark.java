package org.sparkresnet.jobs.bench;

import org.apache.spark.SparkConf;
import org.sparkresnet.data.spark.SparkContexts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Spark's local-cluster master: a real master and worker on this machine, each executor a separate JVM launched
 * from {@code $SPARK_HOME/jars}. That directory must hold this build's jars (deploy/bin/resnet points SPARK_HOME at
 * deploy/target/spark-home, whose jars/ is the build's target/lib; the deploy ITs do the same).
 */
public final class LocalClusterSpark {
    private LocalClusterSpark() {
    }

    /**
     * The conf for {@code executors} executor JVMs of one core and {@code memoryMb} heap each. ND4J runs one
     * thread per executor (SparkContexts gives each task's ND4J one thread per task CPU), and its off-heap memory is capped.
     */
    public static SparkConf conf(String appName, int executors, int memoryMb) {
        requireSparkHomeWithThisBuild();
        SparkConf conf = SparkContexts.conf(appName, "local-cluster[" + executors + ",1," + memoryMb + "]")
                .set("spark.executor.memory", memoryMb + "m");
        // the job's policies ran before the heap was set here: the later flags win
        conf.set("spark.executor.extraJavaOptions", conf.get("spark.executor.extraJavaOptions")
                + " -Dorg.bytedeco.javacpp.maxbytes=2G -Xms" + memoryMb + "m");
        return conf;
    }

    /** Executors of another Spark install would not find our classes: fail here with the fix, not in an executor log. */
    static void requireSparkHomeWithThisBuild() {
        String home = System.getenv("SPARK_HOME");
        String ownJar = codeSourceFileName();
        if (home == null || home.isBlank()) {
            throw new IllegalStateException("local-cluster launches executor JVMs from $SPARK_HOME/jars, but SPARK_HOME is not set;"
                    + " run through deploy/bin/resnet, which sets it to deploy/target/spark-home");
        }
        Path jars = Path.of(home, "jars");
        boolean hasOurJar;
        try (Stream<Path> files = Files.exists(jars) ? Files.list(jars) : Stream.empty()) {
            hasOurJar = ownJar == null || files.anyMatch(p -> p.getFileName().toString().equals(ownJar));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + jars, e);
        }
        if (!hasOurJar) {
            throw new IllegalStateException("local-cluster launches executor JVMs from " + jars + ", which does not hold this build's "
                    + ownJar + "; unset SPARK_HOME and run through deploy/bin/resnet (it uses deploy/target/spark-home)");
        }
    }

    /** The jar this class was loaded from, or null when it comes from a classes directory (IDE, unit tests). */
    private static String codeSourceFileName() {
        try {
            Path source = Path.of(LocalClusterSpark.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Files.isRegularFile(source) ? source.getFileName().toString() : null;
        } catch (Exception e) {
            return null;
        }
    }
}
