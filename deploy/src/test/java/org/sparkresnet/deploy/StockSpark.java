package org.sparkresnet.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A stock Spark 3.5.9 installation as a user's edge node and cluster have it, made from Maven Central's jars:
 * jars/ is deploy/stock-spark's resolution of the modules Spark's distribution ships (not this project's class path),
 * bin/spark-submit runs Spark's own launcher. Also the project's packaged distribution (bin/, conf/, lib/) and a way
 * to run its scripts as a user would.
 */
final class StockSpark {
    private StockSpark() {
    }

    static Path deployTarget() {
        return Path.of(System.getProperty("deploy.target", "target")).toAbsolutePath();
    }

    /** The unpacked distribution that the build made: target/spark-resnet-VERSION-dist/spark-resnet-VERSION. */
    static Path distribution() {
        try (Stream<Path> dirs = Files.list(deployTarget())) {
            Path dist = dirs.filter(p -> p.getFileName().toString().matches("spark-resnet-.*-dist") && Files.isDirectory(p))
                    .findFirst().orElseThrow(() -> new IllegalStateException("no distribution in " + deployTarget() + ": run mvn package"));
            try (Stream<Path> inner = Files.list(dist)) {
                return inner.filter(Files::isDirectory).findFirst().orElseThrow();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lays out (once) and returns the stand-in SPARK_HOME under target/stock-spark-home. */
    static synchronized Path home() {
        Path home = deployTarget().resolve("stock-spark-home");
        Path jars = deployTarget().getParent().resolve("stock-spark/target/jars");
        if (!Files.isDirectory(jars)) {
            throw new IllegalStateException(jars + " is missing: the deploy/stock-spark module builds it (mvn package)");
        }
        try {
            Files.createDirectories(home.resolve("bin"));
            Files.createDirectories(home.resolve("conf"));
            if (!Files.exists(home.resolve("jars"))) {
                Files.createSymbolicLink(home.resolve("jars"), jars);
            }
            Files.writeString(home.resolve("RELEASE"), "Spark 3.5.9 built for Hadoop 3.3.4 (stand-in from Maven Central's jars)\n");
            Path submit = home.resolve("bin/spark-submit");
            try (InputStream in = StockSpark.class.getResourceAsStream("/stock-spark-bin/spark-submit")) {
                Files.copy(in, submit, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lay out the stock Spark home at " + home, e);
        }
        return home;
    }

    /** The environment every process of the cluster and every submission runs with. */
    static Map<String, String> environment() {
        return Map.of("SPARK_HOME", home().toString(), "SPARK_SCALA_VERSION", "2.12", "SPARK_LOCAL_IP", "127.0.0.1",
                "SPARK_CONF_DIR", home().resolve("conf").toString());
    }

    /** What a finished command printed and returned. */
    record Outcome(int exitCode, String output, Path log) {
        @Override
        public String toString() {
            return "exit " + exitCode + ", log " + log + ":\n" + tail(output, 6000);
        }
    }

    /** Runs a command (stdout and stderr to {@code log}) with the cluster's environment; fails after the timeout. */
    static Outcome run(List<String> command, Map<String, String> extraEnv, Path log, long timeoutSeconds) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(environment());
        pb.environment().putAll(extraEnv);
        try {
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s:\n"
                        + tail(Files.readString(log), 6000));
            }
            return new Outcome(p.exitValue(), Files.readString(log), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** bin/resnet-submit of the distribution: [spark-submit options] -- job [options]. */
    static List<String> resnetSubmit(List<String> submitOptions, List<String> job) {
        List<String> command = new ArrayList<>();
        command.add(distribution().resolve("bin/resnet-submit").toString());
        command.addAll(submitOptions);
        command.add("--");
        command.addAll(job);
        return command;
    }

    static String tail(String s, int chars) {
        return s.length() <= chars ? s : "..." + s.substring(s.length() - chars);
    }
}
