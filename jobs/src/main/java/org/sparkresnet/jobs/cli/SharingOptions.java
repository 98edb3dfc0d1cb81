package org.sparkresnet.jobs.cli;

import org.sparkresnet.jobs.train.SharingSettings;
import picocli.CommandLine.Option;

/** Gradient-sharing flags, shared by train and benchmark-training; {@link #settings()} validates them. */
public final class SharingOptions {
    private static final SharingSettings DEFAULTS = SharingSettings.defaults();
    @Option(names = "--threshold-algorithm", defaultValue = "quantile", paramLabel = "quantile|budget|adaptive|fixed",
            description = "encoding threshold: quantile (each worker sends a fixed fraction of the elements each iteration), budget"
                    + " (all workers together send a fixed fraction: traffic per worker stays flat as the cluster grows; for large"
                    + " clusters), adaptive (DL4J's:"
                    + " keeps 0.01%%-1%% of the elements sent) or fixed; default: ${DEFAULT-VALUE}")
    String algorithm = DEFAULTS.threshold();
    @Option(names = "--threshold", paramLabel = "X", description = "quantile: the fraction of elements each worker sends (default " + SharingSettings.DEFAULT_FRACTION_SENT + "); budget: the fraction sent by all workers together, each sending budget / workers (default " + SharingSettings.DEFAULT_BUDGET + "); fixed: the threshold; adaptive: its start (default " + SharingSettings.DEFAULT_THRESHOLD + ")")
    Double threshold;
    @Option(names = "--residual-clip", defaultValue = "5", description = "clip the unsent residual to this many thresholds...; default: ${DEFAULT-VALUE}")
    double residualClip = DEFAULTS.residualClip();
    @Option(names = "--residual-clip-every", defaultValue = "5", description = "...every this many iterations; default: ${DEFAULT-VALUE}")
    int residualClipEvery = DEFAULTS.residualClipEvery();
    @Option(names = "--aeron-port", defaultValue = "40123",
            description = "UDP port of the driver; executor n uses this + 1 + n; default: ${DEFAULT-VALUE}")
    int aeronPort = DEFAULTS.aeronPort();
    @Option(names = "--controller-address", paramLabel = "IP",
            description = "the driver's IP as executors reach it; default: 127.0.0.1 for local masters, else SPARK_PUBLIC_DNS / --network-mask / DL4J_VOID_IP")
    String controllerAddress;
    @Option(names = "--network-mask", paramLabel = "CIDR", description = "network the executors' addresses are in, e.g. 10.0.0.0/16")
    String networkMask;
    @Option(names = "--workers-per-node", defaultValue = "1", description = "trainer threads per executor; only 1 is supported (more can deadlock in DL4J M2)")
    int workersPerNode = 1;

    public SharingSettings settings() {
        double value = threshold != null ? threshold : SharingSettings.defaultThresholdValue(algorithm);
        return new SharingSettings(algorithm, value, residualClip, residualClipEvery, aeronPort, controllerAddress, networkMask, workersPerNode);
    }
}
