package org.sparkresnet.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The JVM flags DL4J + Spark need on Java 17 (module opens, time source, Aeron, oneDNN build, layer helpers).
 * Their single source is the parent pom's {@code resnet.jvm.flags}; the build filters it into this resource so
 * that jobs can pass the very same flags to every Spark executor.
 */
public final class JvmFlags {
    private static final String RESOURCE = "/sparkresnet/jvm-flags.txt";

    private JvmFlags() {
    }

    /** The flags as one space-separated string, ready for {@code spark.executor.extraJavaOptions}. */
    public static String asString() {
        try (InputStream in = JvmFlags.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + RESOURCE + " is missing: the model jar was not built by Maven");
            }
            String flags = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            if (flags.startsWith("${")) {
                throw new IllegalStateException("classpath resource " + RESOURCE + " was not filtered by Maven: " + flags);
            }
            return flags;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    public static List<String> asList() {
        return Arrays.asList(asString().split("\\s+"));
    }

    /**
     * Applies the flags' system properties ({@code -Dkey=value}) to this JVM when it was started without them,
     * so that a driver launched by hand still selects the fast native build before ND4J loads.
     * Module opens cannot be applied after start-up; those must come from the launcher.
     */
    public static void applySystemPropertiesIfAbsent() {
        for (String flag : asList()) {
            if (flag.startsWith("-D")) {
                int eq = flag.indexOf('=');
                String key = eq < 0 ? flag.substring(2) : flag.substring(2, eq);
                String value = eq < 0 ? "" : flag.substring(eq + 1);
                if (System.getProperty(key) == null) {
                    System.setProperty(key, value);
                }
            }
        }
    }
}
