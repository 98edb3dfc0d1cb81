package org.sparkresnet.jobs.preflight;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * Were the project's JVM flags (JvmFlags: the --add-opens that Spark and DL4J need on Java 17, the native build and
 * layer-helper switches, Aeron's timeout) given to this JVM? A cluster default (spark-defaults.conf) or a later --conf
 * can replace spark.executor.extraJavaOptions, and the symptoms come much later (InaccessibleObjectException in
 * Kryo, the slow native build, Aeron refusing to start).
 */
public final class JvmFlagsCheck {
    static final String NAME = "jvm-flags";

    private JvmFlagsCheck() {
    }

    public static List<String> thisJvmsArguments() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments();
    }

    /**
     * @param expected the flags from JvmFlags, as the driver has them
     * @param actual   the JVM's input arguments
     * @param properties the JVM's system properties: a -Dkey=value flag also counts when the property has that value
     *                   (the driver's main sets the flags' properties itself when it was started without them)
     * @param driver   whether the JVM is the driver (the fix differs)
     */
    public static Check evaluate(String where, List<String> expected, List<String> actual, Properties properties, boolean driver) {
        Set<String> present = new HashSet<>(actual);
        List<String> missing = new ArrayList<>();
        for (String flag : expected) {
            if (!present.contains(flag) && !setAsProperty(flag, properties)) {
                missing.add(flag);
            }
        }
        if (missing.isEmpty()) {
            return Check.pass(where, NAME, "all " + expected.size() + " flags of conf/jvm-flags present");
        }
        String detail = missing.size() + " of " + expected.size() + " flags missing: " + String.join(" ", missing);
        String advice = driver
                ? "start the driver with the flags of conf/jvm-flags (bin/resnet and bin/resnet-submit pass them as --driver-java-options)"
                : "give every executor the flags of conf/jvm-flags: --conf spark.executor.extraJavaOptions=\"$(cat conf/jvm-flags)\""
                + " (bin/resnet-submit does); a spark.executor.extraJavaOptions in the cluster's spark-defaults.conf or a later --conf"
                + " replaces them, so add your own options after the project's";
        return Check.fail(where, NAME, detail, advice);
    }

    private static boolean setAsProperty(String flag, Properties properties) {
        if (!flag.startsWith("-D")) {
            return false;
        }
        int eq = flag.indexOf('=');
        String key = eq < 0 ? flag.substring(2) : flag.substring(2, eq);
        String value = eq < 0 ? "" : flag.substring(eq + 1);
        return value.equals(properties.getProperty(key));
    }
}
