package org.sparkresnet.jobs.preflight;

import org.apache.spark.SparkConf;

import java.io.Serializable;

/**
 * The memory a cluster manager grants each executor container, as the driver's conf sets it: YARN and Kubernetes size a
 * container as heap ({@code spark.executor.memory}) plus overhead ({@code spark.executor.memoryOverhead}, by default
 * max(10% of the heap, 384 MiB)) plus Spark's own off-heap pool when enabled, and kill the container when its process
 * tree grows past that. ND4J's arrays live outside the heap, so they must fit in the overhead.
 *
 * @param heapBytes         spark.executor.memory
 * @param overheadBytes     spark.executor.memoryOverhead, set or derived
 * @param sparkOffHeapBytes spark.memory.offHeap.size when spark.memory.offHeap.enabled, else 0
 * @param overheadSource    how the overhead was found, for the report
 */
public record ContainerBudget(long heapBytes, long overheadBytes, long sparkOffHeapBytes, String overheadSource) implements Serializable {
    public static final long MIB = 1024L * 1024;
    /** Spark's smallest executor overhead (ResourceProfile.MEMORY_OVERHEAD_MIN_MIB). */
    public static final long MIN_OVERHEAD_BYTES = 384 * MIB;
    static final double DEFAULT_OVERHEAD_FACTOR = 0.10;

    public static ContainerBudget of(SparkConf conf) {
        // a bare number in these settings means MiB, as in Spark
        long heap = conf.getSizeAsMb("spark.executor.memory", "1g") * MIB;
        long offHeap = conf.getBoolean("spark.memory.offHeap.enabled", false) ? conf.getSizeAsBytes("spark.memory.offHeap.size", "0") : 0;
        if (conf.contains("spark.executor.memoryOverhead")) {
            return new ContainerBudget(heap, conf.getSizeAsMb("spark.executor.memoryOverhead") * MIB, offHeap,
                    "spark.executor.memoryOverhead=" + conf.get("spark.executor.memoryOverhead"));
        }
        double factor = conf.getDouble("spark.executor.memoryOverheadFactor", DEFAULT_OVERHEAD_FACTOR);
        long overhead = Math.max((long) (factor * heap / MIB) * MIB, MIN_OVERHEAD_BYTES);
        return new ContainerBudget(heap, overhead, offHeap, "spark.executor.memoryOverhead not set: max(" + factor
                + " x heap, 384m)");
    }

    public long containerBytes() {
        return heapBytes + overheadBytes + sparkOffHeapBytes;
    }
}
