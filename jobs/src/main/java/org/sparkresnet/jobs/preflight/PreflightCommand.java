package org.sparkresnet.jobs.preflight;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.data.fs.SerializableConfiguration;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.jobs.cli.SharingOptions;
import org.sparkresnet.jobs.dl4jfix.AeronTermLength;
import org.sparkresnet.jobs.train.SharingSettings;
import org.sparkresnet.runtime.JvmFlags;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * {@code preflight}: run before a long job, with the job's spark-submit settings. Reaches the master, waits for the
 * executors, runs one task on each and prints what would make the job fail later: the native runtime, memory against
 * the container, the JVM flags, storage access from every JVM and, for gradient sharing, Aeron's UDP ports and /dev/shm.
 * Exit code 0 when every check passed, {@link PreflightReport#CHECK_FAILED} when one failed, 2 for bad usage.
 */
@Command(name = "preflight", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Checks a cluster before a long job: run it with the job's spark-submit settings. Reaches the master,",
                "waits for the executors, runs one task on each and reports its native runtime (oneDNN or CUDA, one convolution),",
                "memory (ND4J's off-heap cap against spark.executor.memoryOverhead), JVM flags, read access to --data and write",
                "access to --output (from the driver too) and, with --mode sharing, Aeron's UDP ports and /dev/shm.",
                "Exit codes: 0 all checks passed (warnings allowed), 3 a check failed, 2 bad usage."})
public final class PreflightCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, paramLabel = "URI", description = "prepared dataset the job will read (output of 'prepare')")
    String data;
    @Option(names = "--output", required = true, paramLabel = "URI", description = "where the job will write")
    String output;
    @Option(names = "--mode", defaultValue = "averaging", paramLabel = "averaging|sharing",
            description = "the training mode; sharing adds the Aeron UDP and /dev/shm checks; default: ${DEFAULT-VALUE}")
    String mode;
    @Option(names = "--splits", defaultValue = "train,test", split = ",", description = "splits of --data to check; default: ${DEFAULT-VALUE}")
    List<String> splits;
    @Option(names = "--executors", paramLabel = "N", description = "executors to wait for; default: from spark.executor.instances,"
            + " dynamic allocation or the master")
    Integer executors;
    @Option(names = "--wait", defaultValue = "120", paramLabel = "SECONDS", description = "longest wait for the executors; default: ${DEFAULT-VALUE}")
    int waitSeconds;
    @Option(names = "--task-timeout", defaultValue = "300", paramLabel = "SECONDS",
            description = "longest wait for the executors' checks; default: ${DEFAULT-VALUE}")
    int taskTimeoutSeconds;
    @Option(names = "--udp-timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "how long each executor tries to exchange UDP datagrams with the driver; default: ${DEFAULT-VALUE}")
    int udpTimeoutSeconds;
    @Option(names = "--json", paramLabel = "URI", description = "also write the report as JSON here")
    String json;
    @Option(names = "--master", paramLabel = "URL", description = "Spark master when not launched by spark-submit; default: local[*]")
    String master;
    @Mixin
    SharingOptions sharingOptions = new SharingOptions();

    static final String DRIVER = "driver";

    @Override
    public Integer call() {
        boolean sharing = switch (mode) {
            case "averaging" -> false;
            case "sharing" -> true;
            default -> throw new IllegalArgumentException("--mode must be averaging or sharing, got '" + mode + "'");
        };
        require(executors == null || executors >= 1, "--executors must be at least 1, got " + executors);
        require(waitSeconds >= 1 && taskTimeoutSeconds >= 1 && udpTimeoutSeconds >= 1, "--wait, --task-timeout and --udp-timeout must be at least 1 second");
        require(!splits.isEmpty() && splits.stream().noneMatch(String::isBlank), "--splits must name at least one split, e.g. train,test");
        SharingSettings sharingSettings = sharingOptions.settings();

        List<Check> checks = new ArrayList<>();
        JavaSparkContext sc;
        String masterUrl = new SparkConf().get("spark.master", master == null ? SparkContexts.DEFAULT_MASTER : master);
        try {
            sc = SparkContexts.create("resnet-preflight", master);
        } catch (IllegalArgumentException e) {
            // settings the job itself would refuse at start (ExecutorMemory: an overhead a container cannot hold)
            checks.add(Check.fail(DRIVER, "settings", e.getMessage(), "change the setting named in the detail; train would stop here too"));
            return finish(new PreflightReport(masterUrl, mode, checks), null);
        } catch (RuntimeException e) {
            checks.add(Check.fail(DRIVER, "master", "cannot start the Spark application on " + masterUrl + ": " + NativeCheck.oneLine(e),
                    "check --master (spark://HOST:7077, yarn, k8s://https://HOST:PORT, local[N]) and that the cluster manager is"
                            + " running and reachable from this machine (HADOOP_CONF_DIR/YARN_CONF_DIR for yarn)"));
            return finish(new PreflightReport(masterUrl, mode, checks), null);
        }
        try {
            PreflightReport report = run(sc, sharing, sharingSettings, checks);
            return finish(report, sc.hadoopConfiguration());
        } finally {
            sc.stop();
        }
    }

    private PreflightReport run(JavaSparkContext sc, boolean sharing, SharingSettings sharingSettings, List<Check> checks) {
        SparkConf conf = sc.getConf();
        String masterUrl = sc.master();
        checks.add(Check.pass(DRIVER, "master", "application " + sc.sc().applicationId() + " on " + masterUrl + ", Spark " + sc.version()));
        ExpectedExecutors expected = ExpectedExecutors.of(conf, executors);
        boolean local = ExpectedExecutors.isLocal(masterUrl);
        List<ExecutorRef> targets = List.of();
        if (!local) {
            ClusterExecutors.Wait wait = ClusterExecutors.await(sc, expected, Duration.ofSeconds(waitSeconds));
            targets = wait.executors();
            checks.add(executorsCheck(wait, expected, conf));
        }
        Configuration hadoop = sc.hadoopConfiguration();
        String dataUri = HadoopFiles.qualify(data, hadoop);
        String outputUri = HadoopFiles.qualify(output, hadoop);
        List<String> flags = JvmFlags.asList();

        checks.add(JvmFlagsCheck.evaluate(DRIVER, flags, JvmFlagsCheck.thisJvmsArguments(), System.getProperties(), true));
        checks.add(NativeCheck.run(DRIVER));
        if (local) {
            checks.add(MemoryCheck.evaluate(DRIVER, MemoryCheck.Facts.ofThisJvm(), null));
        }
        checks.add(StorageCheck.data(DRIVER, dataUri, splits, hadoop));
        checks.add(StorageCheck.output(DRIVER, outputUri, hadoop, DRIVER));

        UdpReceiver receiver = null;
        ExecutorProbe.Sharing probeSharing = null;
        String driverAddress = null;
        if (sharing) {
            checks.add(ShmCheck.evaluate(DRIVER, ShmCheck.aeronParent(),
                    AeronTermLength.sharedMemoryBytes(true, Math.max(targets.size(), expected.count()), AeronTermLength.current())));
            try {
                driverAddress = AeronAddresses.controller(sharingSettings, masterUrl, sc.getConf().get("spark.driver.host", null), System.getenv());
            } catch (IllegalStateException | IllegalArgumentException e) {
                checks.add(AeronUdpCheck.driverNotBound(DRIVER, "?", sharingSettings.aeronPort(), e.getMessage()));
            }
            if (driverAddress == null && checks.stream().noneMatch(c -> c.name().equals(AeronUdpCheck.NAME))) {
                checks.add(AeronUdpCheck.noControllerAddress(DRIVER));
            }
            if (driverAddress != null) {
                String token = UUID.randomUUID().toString();
                try {
                    receiver = new UdpReceiver(driverAddress, sharingSettings.aeronPort(), token);
                    checks.add(AeronUdpCheck.driverBound(DRIVER, driverAddress, sharingSettings.aeronPort()));
                    probeSharing = new ExecutorProbe.Sharing(sharingSettings.aeronPort(), sharingSettings.networkMask(), driverAddress,
                            token, Math.max(targets.size(), expected.count()), Duration.ofSeconds(udpTimeoutSeconds));
                } catch (SocketException | RuntimeException e) {
                    checks.add(AeronUdpCheck.driverNotBound(DRIVER, driverAddress, sharingSettings.aeronPort(), e.getMessage()));
                }
            }
        }
        try {
            if (!targets.isEmpty()) {
                ContainerBudget budget = ContainerBudget.of(conf);
                ExecutorProbe probe = new ExecutorProbe(flags, budget, dataUri, splits, outputUri, new SerializableConfiguration(hadoop),
                        probeSharing);
                EveryExecutor.Outcome outcome = EveryExecutor.run(sc, targets, probe, Duration.ofSeconds(taskTimeoutSeconds));
                String driverHost = sc.env().blockManager().blockManagerId().host();
                for (ExecutorResult result : outcome.results().values()) {
                    checks.addAll(result.checks());
                    if (result.udp() != null && receiver != null) {
                        checks.add(AeronUdpCheck.executor(result.executor().label(), result.udp(),
                                receiver.heard().get(result.executor().id()), probeSharing.driverAddress(), probeSharing.aeronPort(),
                                !driverHost.equals(result.executor().host())));
                    } else if (sharing) {
                        checks.add(Check.fail(result.executor().label(), AeronUdpCheck.NAME, "not checked: the driver's side failed",
                                "fix the driver's aeron-udp check first"));
                    }
                }
                Check filePaths = StorageCheck.localPathsAcrossHosts(DRIVER, dataUri, outputUri, driverHost,
                        targets.stream().map(ExecutorRef::host).toList());
                if (filePaths != null) {
                    checks.add(filePaths);
                }
                for (Map.Entry<ExecutorRef, String> missing : outcome.missing().entrySet()) {
                    checks.add(Check.fail(missing.getKey().label(), "probe", "no report: " + missing.getValue(),
                            "look at this executor's log (Spark UI, Executors tab); rerun preflight, with a longer --task-timeout"
                                    + " if the cluster is busy"));
                }
            }
        } finally {
            if (receiver != null) {
                receiver.close();
            }
        }
        return new PreflightReport(masterUrl, mode, checks);
    }

    private Check executorsCheck(ClusterExecutors.Wait wait, ExpectedExecutors expected, SparkConf conf) {
        int got = wait.executors().size();
        String found = got + " registered in " + wait.waitedMillis() / 1000 + " s (expected " + (expected.exact() ? "" : "at least ")
                + expected.count() + ": " + expected.source() + ")";
        if (wait.masterGaveUp()) {
            return Check.fail(DRIVER, "executors", "the application was stopped while waiting for executors: the master did not"
                            + " accept it or cannot be reached",
                    "check --master and that the master runs and is reachable from this machine (firewall: the master's port,"
                            + " and the driver's ports from the cluster: spark.driver.port, spark.blockManager.port)");
        }
        if (got >= expected.count() && got > 0) {
            return Check.pass(DRIVER, "executors", found);
        }
        ContainerBudget budget = ContainerBudget.of(conf);
        return Check.fail(DRIVER, "executors", found + " within --wait " + waitSeconds + " s",
                "the cluster has no room for " + expected.count() + " executors of " + conf.get("spark.executor.cores", "1")
                        + " cores and " + MemoryCheck.mib(budget.containerBytes()) + " (heap + overhead) each, or the master"
                        + " URL is wrong: check the master's UI (standalone) or 'yarn application -status' / 'kubectl get pods',"
                        + " ask for fewer or smaller executors, or give a longer --wait on a busy cluster");
    }

    private int finish(PreflightReport report, Configuration hadoop) {
        System.out.print(report.table());
        if (json != null) {
            Configuration conf = hadoop != null ? hadoop : new Configuration();
            Path target = new Path(HadoopFiles.qualify(json, conf));
            byte[] content = report.toJson().getBytes(StandardCharsets.UTF_8);
            HadoopFiles.writeAtomically(target, conf, out -> out.write(content));
            System.out.println("report: " + target);
        }
        return report.exitCode();
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
