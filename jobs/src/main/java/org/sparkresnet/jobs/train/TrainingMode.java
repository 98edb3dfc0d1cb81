package org.sparkresnet.jobs.train;

import java.util.List;
import java.util.Locale;

/** How Spark workers combine their work: averaging parameters every few minibatches, or sharing encoded gradients. */
public enum TrainingMode {
    /** ParameterAveragingTrainingMaster: synchronous rounds, parameters averaged on the driver. */
    AVERAGING,
    /** SharedTrainingMaster: asynchronous threshold-encoded gradient sharing between executors over Aeron (UDP). */
    SHARING;

    public static final List<String> NAMES = List.of("averaging", "sharing");

    public static TrainingMode parse(String name) {
        if (name == null || !NAMES.contains(name.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("--mode must be one of " + NAMES + ", got '" + name + "'");
        }
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    public String flag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
