package org.sparkresnet.jobs.cli;

import org.sparkresnet.jobs.train.IterationRecorder;
import picocli.CommandLine.Option;

/** How finely a training run records its metrics for watching it (metrics.json iterations, report.html, TensorBoard). */
public final class MonitoringOptions {
    @Option(names = "--metrics-every", defaultValue = "" + IterationRecorder.DEFAULT_EVERY, paramLabel = "N",
            description = "record a metrics point (loss, learning rate, images/s, data-wait share: metrics.json's iterations,"
                    + " report.html's curves, TensorBoard's tensorboard/ files) at the first task end after N more training"
                    + " iterations, and at every epoch's end; default: ${DEFAULT-VALUE}")
    int metricsEvery = IterationRecorder.DEFAULT_EVERY;

    @Option(names = "--stall-timeout", defaultValue = "20", paramLabel = "MINUTES",
            description = "stop the run with a message saying how to resume when no worker finishes a training iteration for this"
                    + " many minutes (a hang, e.g. gradient sharing after a lost executor); 0: never; default: ${DEFAULT-VALUE}")
    double stallTimeoutMinutes = 20;

    /** How long without an iteration stops the run. */
    public java.time.Duration stallTimeout() {
        if (stallTimeoutMinutes < 0) {
            throw new IllegalArgumentException("--stall-timeout must be >= 0 minutes, got " + stallTimeoutMinutes);
        }
        return java.time.Duration.ofMillis(Math.round(stallTimeoutMinutes * 60_000));
    }

    /** At most one metrics point per this many iterations (validated by the trainer). */
    public int metricsEvery() {
        return metricsEvery;
    }
}
