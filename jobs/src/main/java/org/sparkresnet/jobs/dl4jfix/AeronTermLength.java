package org.sparkresnet.jobs.dl4jfix;

/**
 * The length of the Aeron log buffers' terms in gradient sharing, and the shared memory they take. dl4j's
 * AeronUdpTransport sets {@code aeron.term.buffer.length} to 32 MiB when a JVM's flags leave it unset, and every JVM
 * of a run connects to every other one and to itself (the driver to each executor): measured in /dev/shm, an
 * executor of a 2-executor run held 3 publications and 3 images, of a 4-executor run 5 and 5, the driver 4 and 4.
 * Each publication and each image keeps 3 terms, so with 32 MiB an executor of a 16-executor run would need
 * 3.2 GiB of shared memory, which Kubernetes and YARN count against the container. dl4j's transport splits every
 * array message into chunks of at most 64 KiB and Aeron's flow-control window is 128 KiB whatever the term, so
 * {@link #DEFAULT_BYTES} (Aeron's largest message is a term / 8 = 512 KiB) carries the same traffic in an eighth of
 * the memory.
 */
public final class AeronTermLength {
    /** Aeron's property; DL4J only fills it in when unset. */
    public static final String PROPERTY = "aeron.term.buffer.length";
    /** Ours: 4 MiB (a power of two, as Aeron requires). */
    public static final long DEFAULT_BYTES = 4L << 20;
    /** Terms per log buffer (Aeron's partitions). */
    static final int TERMS = 3;

    private AeronTermLength() {
    }

    /** Sets our default in this JVM unless its flags chose a length; before DL4J's transport would set its own. */
    public static void applyDefault() {
        if (System.getProperty(PROPERTY) == null) {
            System.setProperty(PROPERTY, String.valueOf(DEFAULT_BYTES));
        }
    }

    /** The term length this JVM's Aeron uses: its flags' value, else ours. */
    public static long current() {
        String value = System.getProperty(PROPERTY);
        if (value == null) {
            return DEFAULT_BYTES;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + value + " is not a number of bytes (a power of two, e.g. "
                    + DEFAULT_BYTES + ")", e);
        }
    }

    /** Publications (or images) one JVM keeps: the driver one per executor; an executor one per other JVM and one to itself. */
    public static int connections(boolean driver, int executors) {
        return driver ? Math.max(1, executors) : Math.max(1, executors) + 1;
    }

    /** Shared memory the log buffers of one JVM take once written: a publication and an image per connection. */
    public static long sharedMemoryBytes(boolean driver, int executors, long termBytes) {
        return connections(driver, executors) * 2L * TERMS * termBytes;
    }
}
