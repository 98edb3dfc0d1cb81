package org.sparkresnet.model.layers;

import org.nd4j.linalg.factory.Nd4j;

/**
 * The switch every project layer helper has: on for CPU backends unless its system property says never (always is the
 * default); off on accelerators, where DL4J's vendor helpers stay.
 */
final class CpuHelperPolicy {
    private CpuHelperPolicy() {
    }

    /** @throws IllegalArgumentException when {@code property} is set to anything but always or never */
    static boolean enabled(String property) {
        if (!Nd4j.getEnvironment().isCPU()) {
            return false;
        }
        String policy = System.getProperty(property, "always");
        return switch (policy) {
            case "always" -> true;
            case "never" -> false;
            default -> throw new IllegalArgumentException("-D" + property + " must be always or never, got '" + policy + "'");
        };
    }
}
