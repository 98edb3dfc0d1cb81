package org.sparkresnet.deploy;

import org.apache.hadoop.yarn.api.records.ApplicationAttemptReport;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.ContainerReport;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.exceptions.YarnException;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * The real spark-submit (org.apache.spark.deploy.SparkSubmit) with --master yarn, run as a child JVM as the
 * spark-submit script would run it: the Hadoop conf folder first on its class path and in HADOOP_CONF_DIR/YARN_CONF_DIR,
 * then the build's jars (target/lib) and spark-yarn. Never in the test JVM: in cluster mode the client calls System.exit.
 * The containers find Spark where Spark's own YARN tests put it: spark.yarn.jars is an empty local: jar and the
 * driver's and executors' extraClassPath is target/lib plus spark-yarn. The application jar is target/lib/jobs-*.jar.
 * While the child runs, the ResourceManager is asked every half second for the application's live containers, so the
 * run knows what YARN granted each container after the application has ended.
 */
final class YarnSubmit {
    static final String MAIN_CLASS = "org.sparkresnet.jobs.cli.Main";

    private final YarnMiniCluster cluster;
    private final Path work;
    private final Path lib;
    private final String jvmFlags;
    private final Path emptyJar;
    private final String sparkYarnJar;

    YarnSubmit(YarnMiniCluster cluster, Path target, Path work) throws IOException {
        this.cluster = cluster;
        this.work = work;
        this.lib = target.resolve("lib").toAbsolutePath();
        this.jvmFlags = Files.readString(target.resolve("conf").resolve("jvm-flags")).trim();
        this.emptyJar = work.resolve("empty-spark.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(emptyJar))) {
            out.flush();
        }
        try {
            this.sparkYarnJar = Path.of(org.apache.spark.deploy.yarn.Client.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    Path appJar() {
        try (Stream<Path> jars = Files.list(lib)) {
            return jars.filter(p -> p.getFileName().toString().matches("jobs-.*\\.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no jobs-*.jar in " + lib + ": run mvn package first"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One spark-submit: {@code sparkArgs} after the common ones, then the application jar and {@code jobArgs}. */
    Run submit(String name, String deployMode, List<String> sparkArgs, List<String> jobArgs, Duration timeout)
            throws IOException, InterruptedException {
        String classPath = lib + "/*" + File.pathSeparator + sparkYarnJar;
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(jvmFlags.split("\\s+")));
        command.add("-Xmx1g");
        command.add("-cp");
        command.add(cluster.confDir + File.pathSeparator + classPath);
        command.add("org.apache.spark.deploy.SparkSubmit");
        command.addAll(List.of("--master", "yarn", "--deploy-mode", deployMode, "--name", name, "--class", MAIN_CLASS,
                "--num-executors", "2", "--executor-cores", "1", "--executor-memory", "1g", "--driver-memory", "1g"));
        String javaHome = System.getProperty("java.home");
        for (String conf : List.of(
                "spark.yarn.jars=local:" + emptyJar.toAbsolutePath(),
                "spark.driver.extraClassPath=" + classPath,
                "spark.executor.extraClassPath=" + classPath,
                "spark.driver.extraJavaOptions=" + jvmFlags,
                "spark.executor.extraJavaOptions=" + jvmFlags,
                "spark.yarn.appMasterEnv.JAVA_HOME=" + javaHome,
                "spark.executorEnv.JAVA_HOME=" + javaHome,
                "spark.yarn.maxAppAttempts=1",
                "spark.ui.enabled=false")) {
            command.add("--conf");
            command.add(conf);
        }
        command.addAll(sparkArgs);
        command.add(appJar().toString());
        command.addAll(jobArgs);

        Path log = work.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("HADOOP_CONF_DIR", cluster.confDir.toString());
        builder.environment().put("YARN_CONF_DIR", cluster.confDir.toString());
        long start = System.nanoTime();
        // the application this submission creates is the one YARN did not know before (in client mode its name is the
        // job's own, set by the driver's SparkConf, not --name)
        Set<ApplicationId> before = applicationIds();
        Process process = builder.start();
        Map<String, ContainerReport> containers = new TreeMap<>();
        while (!process.waitFor(500, TimeUnit.MILLISECONDS)) {
            collectContainers(before, containers);
            if (System.nanoTime() - start > timeout.toNanos()) {
                process.destroyForcibly().waitFor();
                throw new AssertionError(name + ": spark-submit did not end within " + timeout + "; its output:\n" + tail(log));
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        collectContainers(before, containers);
        Optional<ApplicationReport> app = finalReport(before, Duration.ofSeconds(30));
        return new Run(name, deployMode, process.exitValue(), Files.readString(log), app.orElse(null), containers, took);
    }

    private Set<ApplicationId> applicationIds() throws IOException {
        try {
            Set<ApplicationId> ids = new HashSet<>();
            for (ApplicationReport app : cluster.client.getApplications()) {
                ids.add(app.getApplicationId());
            }
            return ids;
        } catch (YarnException e) {
            throw new IOException(e);
        }
    }

    private List<ApplicationReport> newApplications(Set<ApplicationId> before) throws IOException {
        try {
            return cluster.client.getApplications().stream().filter(a -> !before.contains(a.getApplicationId())).toList();
        } catch (YarnException e) {
            throw new IOException(e);
        }
    }

    private void collectContainers(Set<ApplicationId> before, Map<String, ContainerReport> into) {
        try {
            for (ApplicationReport app : newApplications(before)) {
                for (ApplicationAttemptReport attempt : cluster.client.getApplicationAttempts(app.getApplicationId())) {
                    for (ContainerReport c : cluster.client.getContainers(attempt.getApplicationAttemptId())) {
                        into.put(c.getContainerId().toString(), c);
                    }
                }
            }
        } catch (Exception e) {
            // the application is starting or has just ended: the next poll sees it, or the run ended
        }
    }

    /** The submission's application once YARN has it in a final state; empty when none was submitted. */
    private Optional<ApplicationReport> finalReport(Set<ApplicationId> before, Duration wait) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            List<ApplicationReport> apps = newApplications(before);
            if (apps.size() > 1) {
                throw new AssertionError("one spark-submit created " + apps.size() + " YARN applications: " + apps);
            }
            Optional<ApplicationReport> app = apps.stream().findFirst();
            boolean done = app.isEmpty() || EnumSet.of(YarnApplicationState.FINISHED, YarnApplicationState.FAILED,
                    YarnApplicationState.KILLED).contains(app.get().getYarnApplicationState());
            if (done || System.nanoTime() > deadline) {
                return app;
            }
            Thread.sleep(200);
        }
    }

    static String tail(Path log) {
        try {
            String text = Files.readString(log);
            return text.length() > 12_000 ? "...\n" + text.substring(text.length() - 12_000) : text;
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** One spark-submit's outcome: its exit code and output, YARN's report of the application and the containers it granted. */
    record Run(String name, String deployMode, int exitCode, String output, ApplicationReport app,
               Map<String, ContainerReport> containers, Duration took) {
        ApplicationId appId() {
            return app.getApplicationId();
        }

        /** The containers other than the application master's: the executors. */
        List<ContainerReport> executorContainers(YarnClient client) throws Exception {
            List<ApplicationAttemptReport> attempts = client.getApplicationAttempts(appId());
            List<String> masters = attempts.stream().map(a -> String.valueOf(a.getAMContainerId())).toList();
            return containers.values().stream().filter(c -> !masters.contains(c.getContainerId().toString())).toList();
        }

        Optional<ContainerReport> masterContainer(YarnClient client) throws Exception {
            List<ApplicationAttemptReport> attempts = client.getApplicationAttempts(appId());
            return attempts.stream().map(a -> containers.get(String.valueOf(a.getAMContainerId()))).filter(c -> c != null).findFirst();
        }

        String outputTail() {
            return output.length() > 12_000 ? "...\n" + output.substring(output.length() - 12_000) : output;
        }
    }
}
