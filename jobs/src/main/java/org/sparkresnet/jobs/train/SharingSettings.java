package org.sparkresnet.jobs.train;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Gradient-sharing settings (dl4j-spark-parameterserver SharedTrainingMaster).
 *
 * @param threshold          "quantile" (each worker sends a fixed fraction of the elements, see {@link QuantileThreshold}; the default),
 *                           "budget" (all workers together send a fixed fraction: each sends budget / workers, so the traffic
 *                           per worker stays flat as the cluster grows; for large clusters), "adaptive"
 *                           (DL4J's: keeps 0.01%-1% of the elements sent) or "fixed"
 * @param thresholdValue     quantile's fraction of elements sent per worker, budget's for all workers together, the fixed
 *                           threshold, or the adaptive one's start
 * @param residualClip       the residual (the part of an update not yet sent) is clipped to +-residualClip x threshold...
 * @param residualClipEvery  ...every this many iterations; large deltas are thrown away rather than sent late
 * @param aeronPort          UDP port of the Aeron transport on the driver and every executor
 * @param controllerAddress  the driver's IP address as executors reach it; null: SPARK_PUBLIC_DNS, the network mask or DL4J_VOID_IP
 * @param networkMask        e.g. 10.0.0.0/16: each executor takes its address in this network (null: DL4J_VOID_IP or loopback)
 * @param workersPerNode     trainer threads per executor; only 1 is supported (see {@link #WORKERS_PER_NODE_REFUSAL})
 */
public record SharingSettings(String threshold, double thresholdValue, double residualClip, int residualClipEvery,
                              int aeronPort, String controllerAddress, String networkMask, int workersPerNode) {
    public static final List<String> THRESHOLDS = List.of("quantile", "budget", "adaptive", "fixed");
    public static final double DEFAULT_THRESHOLD = 1e-4; // DL4J's AdaptiveThresholdAlgorithm default
    public static final double DEFAULT_FRACTION_SENT = 0.5;
    /** budget's default: 1/64 of the elements per step for the whole cluster (see benchmark-scaling and the README). */
    public static final double DEFAULT_BUDGET = 1.0 / 64;
    public static final int DEFAULT_AERON_PORT = 40123;
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}");
    private static final Pattern MASK = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}");

    /** Why workersPerNode must be 1 (measured and read from the M2 source, see STACK.md). */
    static final String WORKERS_PER_NODE_REFUSAL = " is not supported with gradient sharing (dl4j-spark-parameterserver 1.0.0-M2): "
            + "its in-executor ParallelWrapper shares a fixed queue of 2 x workersPerNode encoded updates per trainer with a "
            + "blocking put and can deadlock (EncodedGradientsAccumulator.receiveUpdate). Use 1 and scale with more executors "
            + "(one per node, --num-executors / local-cluster) instead.";

    public SharingSettings {
        TrainRequest.require(THRESHOLDS.contains(threshold), "--threshold-algorithm must be one of " + THRESHOLDS + ", got '" + threshold + "'");
        TrainRequest.require(thresholdValue > 0 && thresholdValue < 1, "--threshold must be in (0, 1), got " + thresholdValue);
        TrainRequest.require(residualClip >= 1, "--residual-clip must be >= 1 (a multiple of the threshold), got " + residualClip);
        TrainRequest.require(residualClipEvery >= 1, "--residual-clip-every must be at least 1, got " + residualClipEvery);
        TrainRequest.require(aeronPort >= 1024 && aeronPort <= 65535, "--aeron-port must be in [1024, 65535], got " + aeronPort);
        TrainRequest.require(controllerAddress == null || IPV4.matcher(controllerAddress).matches(),
                "--controller-address must be an IPv4 address such as 10.0.0.5, got '" + controllerAddress + "'");
        TrainRequest.require(networkMask == null || MASK.matcher(networkMask).matches(),
                "--network-mask must look like 10.0.0.0/16, got '" + networkMask + "'");
        TrainRequest.require(workersPerNode == 1, "--workers-per-node " + workersPerNode + WORKERS_PER_NODE_REFUSAL);
    }

    /**
     * Quantile threshold sending half of the elements (DL4J's adaptive default reached 0.80 test accuracy after one
     * Fashion-MNIST epoch where this reaches 0.88, see {@link QuantileThreshold}; after 5 epochs a half reached 0.9175
     * where a third reached 0.9103, at 9% lower images/s), residual clipped to 5 x threshold
     * every 5 iterations, port 40123, loopback.
     */
    public static SharingSettings defaults() {
        return new SharingSettings("quantile", DEFAULT_FRACTION_SENT, 5.0, 5, DEFAULT_AERON_PORT, null, null, 1);
    }

    /** --threshold when not given: quantile's fraction of elements sent, or the fixed/adaptive threshold. */
    public static double defaultThresholdValue(String algorithm) {
        return switch (algorithm) {
            case "quantile" -> DEFAULT_FRACTION_SENT;
            case "budget" -> DEFAULT_BUDGET;
            default -> DEFAULT_THRESHOLD;
        };
    }

    /** The fraction of elements each of {@code workers} workers sends: quantile's as given, budget's shared out. */
    public double fractionPerWorker(int workers) {
        return "budget".equals(threshold) ? thresholdValue / Math.max(1, workers) : thresholdValue;
    }

    public SharingSettings withControllerAddress(String address) {
        return new SharingSettings(threshold, thresholdValue, residualClip, residualClipEvery, aeronPort, address, networkMask, workersPerNode);
    }
}
