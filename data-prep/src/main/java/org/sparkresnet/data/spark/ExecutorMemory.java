package org.sparkresnet.data.spark;

import org.apache.spark.SparkConf;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes each executor's container for ND4J. A YARN or Kubernetes container holds the executor heap plus
 * spark.executor.memoryOverhead, and ND4J's arrays live off the heap, in the overhead. JavaCPP caps them at
 * -Dorg.bytedeco.javacpp.maxbytes, whose default is the heap itself, so with Spark's default overhead (10% of the
 * heap, at least 384 MiB) an executor may use almost twice what its container allows and be killed by YARN
 * ("Container killed by YARN for exceeding memory limits").
 *
 * <p>The policy: the off-heap cap is {@value #OFF_HEAP_KEY} if set, else a maxbytes already in
 * spark.executor.extraJavaOptions, else the heap (JavaCPP's default made explicit); executors get it as
 * -Dorg.bytedeco.javacpp.maxbytes; an unset memoryOverhead becomes cap + max(384 MiB, overhead factor x heap); a
 * memoryOverhead set smaller than cap + 384 MiB fails fast on YARN and Kubernetes masters, whose containers have a
 * hard limit, and is left alone elsewhere (local, local-cluster, standalone).
 */
public final class ExecutorMemory {
    /** The executors' off-heap cap for ND4J (a Spark size: 4g, 512m; a bare number is MiB). */
    public static final String OFF_HEAP_KEY = "spark.resnet.executor.offHeap";
    static final String HEAP_KEY = "spark.executor.memory";
    static final String OVERHEAD_KEY = "spark.executor.memoryOverhead";
    static final String OVERHEAD_FACTOR_KEY = "spark.executor.memoryOverheadFactor";
    static final String OPTIONS_KEY = "spark.executor.extraJavaOptions";
    static final String MAXBYTES = "-Dorg.bytedeco.javacpp.maxbytes=";
    /** Spark's own minimum overhead; what the JVM itself needs outside the heap (metaspace, threads, code cache). */
    static final long MIN_OVERHEAD_MB = 384;
    private static final Pattern MAXBYTES_OPTION = Pattern.compile("(?:^|\\s)" + Pattern.quote(MAXBYTES) + "(\\S*)");

    private ExecutorMemory() {
    }

    /** Applies the policy to {@code conf}; throws IllegalArgumentException for an overhead a container cannot hold. */
    public static void apply(SparkConf conf) {
        long heapMb = heapMb(conf);
        String options = conf.get(OPTIONS_KEY, "");
        String fromOptions = lastMaxBytes(options);
        long capMb;
        if (conf.contains(OFF_HEAP_KEY)) {
            capMb = sparkSizeMb(conf, OFF_HEAP_KEY);
        } else if (fromOptions != null) {
            capMb = javacppSizeMb(fromOptions, heapMb);
        } else {
            capMb = heapMb;
        }
        if (fromOptions == null) {
            conf.set(OPTIONS_KEY, (MAXBYTES + capMb + "m " + options).trim());
        } else if (javacppSizeMb(fromOptions, heapMb) != capMb) {
            // appended: of two -D for one property the JVM keeps the last
            conf.set(OPTIONS_KEY, options + " " + MAXBYTES + capMb + "m");
        }
        boolean containers = hasContainerLimit(conf.get("spark.master", ""));
        if (capMb == 0) {
            if (containers) {
                throw new IllegalArgumentException("executors' ND4J off-heap memory is uncapped (" + MAXBYTES + "0), so no "
                        + OVERHEAD_KEY + " can hold it and YARN/Kubernetes will kill the containers; set " + OFF_HEAP_KEY
                        + " (e.g. 4g) instead");
            }
            return;
        }
        if (!conf.contains(OVERHEAD_KEY)) {
            conf.set(OVERHEAD_KEY, defaultOverheadMb(conf, heapMb, capMb) + "m");
            return;
        }
        long overheadMb = sparkSizeMb(conf, OVERHEAD_KEY);
        long neededMb = capMb + MIN_OVERHEAD_MB;
        if (overheadMb < neededMb && containers) {
            throw new IllegalArgumentException(OVERHEAD_KEY + "=" + conf.get(OVERHEAD_KEY) + " (" + overheadMb
                    + " MiB) cannot hold ND4J's off-heap cap of " + capMb + " MiB plus the JVM's own " + MIN_OVERHEAD_MB
                    + " MiB, so YARN/Kubernetes would kill the executors' containers for exceeding memory limits; set "
                    + OVERHEAD_KEY + " to at least " + neededMb + "m, leave it unset to have it sized, or lower "
                    + OFF_HEAP_KEY + " (now " + capMb + "m)");
        }
    }

    /**
     * The one line a job prints at start-up: heap, off-heap cap and overhead per executor, as {@link #apply} left
     * them; empty for local[N], whose tasks run in the driver.
     */
    public static Optional<String> describe(SparkConf conf) {
        String master = conf.get("spark.master", "");
        if (master.equals("local") || master.startsWith("local[")) {
            return Optional.empty();
        }
        long heapMb = heapMb(conf);
        String fromOptions = lastMaxBytes(conf.get(OPTIONS_KEY, ""));
        long capMb = fromOptions == null ? heapMb : javacppSizeMb(fromOptions, heapMb);
        String cap = capMb == 0 ? "uncapped" : capMb + " MiB";
        if (!conf.contains(OVERHEAD_KEY)) {
            return Optional.of("executor memory: heap " + heapMb + " MiB, ND4J off-heap cap " + cap + ", memoryOverhead Spark's default");
        }
        long overheadMb = sparkSizeMb(conf, OVERHEAD_KEY);
        return Optional.of("executor memory: heap " + heapMb + " MiB, ND4J off-heap cap " + cap + ", memoryOverhead "
                + overheadMb + " MiB" + (hasContainerLimit(master) ? ", container " + (heapMb + overheadMb) + " MiB" : ""));
    }

    /** YARN and Kubernetes run executors in containers with a hard memory limit; local, local-cluster and standalone do not. */
    static boolean hasContainerLimit(String master) {
        return master.startsWith("yarn") || master.startsWith("k8s://");
    }

    static long defaultOverheadMb(SparkConf conf, long heapMb, long capMb) {
        double factor;
        try {
            factor = Double.parseDouble(conf.get(OVERHEAD_FACTOR_KEY, "0.1"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(OVERHEAD_FACTOR_KEY + "=" + conf.get(OVERHEAD_FACTOR_KEY) + " is not a number");
        }
        return capMb + Math.max(MIN_OVERHEAD_MB, (long) (factor * heapMb));
    }

    /** The executors' heap, spark.executor.memory (Spark's default 1g when unset). */
    static long heapMb(SparkConf conf) {
        return conf.contains(HEAP_KEY) ? sparkSizeMb(conf, HEAP_KEY) : 1024;
    }

    private static long sparkSizeMb(SparkConf conf, String key) {
        try {
            return conf.getSizeAsMb(key);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(key + "=" + conf.get(key) + " is not a size (expected e.g. 4g or 512m)");
        }
    }

    /** The value of the last -Dorg.bytedeco.javacpp.maxbytes in {@code options} (the one the JVM keeps), or null. */
    static String lastMaxBytes(String options) {
        Matcher m = MAXBYTES_OPTION.matcher(options);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return last;
    }

    /** A maxbytes value as JavaCPP reads it (Pointer.parseBytes: bytes, or k/m/g/t with an optional b, or % of the heap), in MiB rounded up. */
    static long javacppSizeMb(String value, long heapMb) {
        int i = 0;
        while (i < value.length() && Character.isDigit(value.charAt(i))) {
            i++;
        }
        long bytes;
        try {
            bytes = Long.parseLong(value.substring(0, i));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(MAXBYTES + value + " in " + OPTIONS_KEY + " is not a size (expected e.g. 4g)");
        }
        switch (value.substring(i).trim().toLowerCase(Locale.ROOT)) {
            case "%": bytes = bytes * heapMb * 1024 * 1024 / 100; break;
            case "t": case "tb": bytes *= 1024L * 1024 * 1024 * 1024; break;
            case "g": case "gb": bytes *= 1024L * 1024 * 1024; break;
            case "m": case "mb": bytes *= 1024L * 1024; break;
            case "k": case "kb": bytes *= 1024L; break;
            case "": break;
            default: throw new IllegalArgumentException(MAXBYTES + value + " in " + OPTIONS_KEY + " is not a size (expected e.g. 4g)");
        }
        return (bytes + 1024 * 1024 - 1) / (1024 * 1024);
    }
}
