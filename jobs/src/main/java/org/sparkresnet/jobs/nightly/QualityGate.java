package org.sparkresnet.jobs.nightly;

import java.util.Locale;
import java.util.OptionalDouble;

/**
 * The quality gate: the new model passes when its test accuracy is at least the current latest model's accuracy on
 * the same (new) test data minus {@code tolerance}. A negative tolerance demands an improvement. Without a latest
 * model (the first night), or when the latest cannot be evaluated on the new data (other classes or image size), the
 * new model passes and the reason says so.
 */
record QualityGate(double tolerance) {
    QualityGate {
        if (!(tolerance >= -1 && tolerance <= 1)) {
            throw new IllegalArgumentException("--gate-tolerance must be between -1 and 1 (accuracy points as a fraction), got " + tolerance);
        }
    }

    /** The decision; {@code verdict} is "first", "passed", "passed-incomparable" or "failed". */
    record Decision(boolean passed, String verdict, String reason) {
    }

    Decision decide(double newAccuracy, OptionalDouble latestAccuracy) {
        if (latestAccuracy.isEmpty()) {
            return new Decision(true, "first", "no latest model yet: the first model passes");
        }
        double bar = latestAccuracy.getAsDouble() - tolerance;
        boolean passed = newAccuracy >= bar - 1e-12;
        return new Decision(passed, passed ? "passed" : "failed", String.format(Locale.ROOT, "new %.4f %s latest %.4f - tolerance %.4f = %.4f",
                newAccuracy, passed ? ">=" : "<", latestAccuracy.getAsDouble(), tolerance, bar));
    }

    static Decision incomparable(String why) {
        return new Decision(true, "passed-incomparable", "the latest model cannot be evaluated on this date's test data (" + why
                + "): the new model passes");
    }
}
