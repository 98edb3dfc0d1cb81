package org.sparkresnet.jobs.preflight;

import org.bytedeco.javacpp.Pointer;
import org.sparkresnet.data.spark.ExecutorMemory;

import java.io.Serializable;

/**
 * Does ND4J's off-heap cap fit the container? JavaCPP (under ND4J) refuses native allocations beyond
 * {@code -Dorg.bytedeco.javacpp.maxbytes} (default: the maximum heap), and those bytes are outside the heap, so they
 * must fit in {@code spark.executor.memoryOverhead} together with the JVM's own native memory (metaspace, thread
 * stacks, code cache, Netty and Aeron buffers); otherwise YARN ("Container killed by YARN for exceeding memory
 * limits") or Kubernetes (OOMKilled) kill the executor in the middle of a run.
 */
public final class MemoryCheck {
    static final String NAME = "memory";
    /** What the JVM itself needs outside the heap, besides ND4J's arrays (Spark's minimum overhead). */
    static final long JVM_NATIVE_ALLOWANCE = ContainerBudget.MIN_OVERHEAD_BYTES;

    private MemoryCheck() {
    }

    /**
     * What one JVM has.
     *
     * @param maxHeapBytes       Runtime.maxMemory()
     * @param offHeapCapBytes    JavaCPP's Pointer.maxBytes() (0: unlimited)
     * @param physicalNowBytes   the process's resident memory now (Pointer.physicalBytes())
     * @param machineBytes       the machine's physical memory (Pointer.totalPhysicalBytes(), 0 when unknown)
     */
    public record Facts(long maxHeapBytes, long offHeapCapBytes, long physicalNowBytes, long machineBytes) implements Serializable {
        public static Facts ofThisJvm() {
            return new Facts(Runtime.getRuntime().maxMemory(), Pointer.maxBytes(), Pointer.physicalBytes(), Pointer.totalPhysicalBytes());
        }
    }

    /**
     * @param budget null when the executors are this JVM (local[N]): there is no container to fit
     */
    public static Check evaluate(String where, Facts facts, ContainerBudget budget) {
        String cap = facts.offHeapCapBytes() <= 0 ? "unlimited" : mib(facts.offHeapCapBytes());
        String found = "heap max " + mib(facts.maxHeapBytes()) + ", ND4J off-heap cap " + cap + " (org.bytedeco.javacpp.maxbytes), resident now "
                + mib(facts.physicalNowBytes());
        if (budget == null) {
            return Check.pass(where, NAME, found + "; local master: no container limit");
        }
        String container = "; container " + mib(budget.heapBytes()) + " heap + " + mib(budget.overheadBytes()) + " overhead ("
                + budget.overheadSource() + ")";
        long overhead = budget.overheadBytes();
        long neededOverhead = facts.offHeapCapBytes() + JVM_NATIVE_ALLOWANCE;
        String raise = "raise spark.executor.memoryOverhead to at least " + mibSetting(neededOverhead)
                + " (the off-heap cap plus " + mib(JVM_NATIVE_ALLOWANCE) + " for the JVM's own native memory), or leave it unset: jobs then size it";
        long smallerCap = overhead - JVM_NATIVE_ALLOWANCE;
        String lower = smallerCap >= 64 * ContainerBudget.MIB
                ? ", or lower the off-heap cap to " + smallerCap / ContainerBudget.MIB + "m or less (--conf " + ExecutorMemory.OFF_HEAP_KEY
                + ", which jobs pass to executors as -Dorg.bytedeco.javacpp.maxbytes; RESNET_EXECUTOR_OFFHEAP for bin/resnet-submit)" : "";
        if (facts.offHeapCapBytes() <= 0) {
            return Check.fail(where, NAME, found + container + ": ND4J's native memory is not capped",
                    "cap it with --conf " + ExecutorMemory.OFF_HEAP_KEY + " (it becomes -Dorg.bytedeco.javacpp.maxbytes) at what the overhead can hold, "
                            + Math.max(64, smallerCap / ContainerBudget.MIB) + "m here, or raise spark.executor.memoryOverhead");
        }
        if (facts.offHeapCapBytes() > overhead) {
            return Check.fail(where, NAME, found + container + ": the off-heap cap is larger than the overhead, so YARN/Kubernetes"
                    + " can kill the container for exceeding its memory", raise + lower);
        }
        if (neededOverhead > overhead) {
            return Check.warn(where, NAME, found + container + ": the overhead leaves less than " + mib(JVM_NATIVE_ALLOWANCE)
                    + " beside the off-heap cap for the JVM's own native memory", raise + lower);
        }
        if (facts.machineBytes() > 0 && budget.containerBytes() > facts.machineBytes()) {
            return Check.warn(where, NAME, found + container + ": the container (" + mib(budget.containerBytes())
                    + ") is larger than this machine's memory (" + mib(facts.machineBytes()) + ")",
                    "lower spark.executor.memory or spark.executor.memoryOverhead, or use larger machines");
        }
        return Check.pass(where, NAME, found + container);
    }

    static String mib(long bytes) {
        return bytes >= 10L * 1024 * ContainerBudget.MIB
                ? String.format("%.1f GiB", bytes / (1024.0 * ContainerBudget.MIB))
                : (bytes + ContainerBudget.MIB - 1) / ContainerBudget.MIB + " MiB";
    }

    /** Bytes as a Spark/JavaCPP size setting in whole MiB, rounded up: "1408m". */
    static String mibSetting(long bytes) {
        return (bytes + ContainerBudget.MIB - 1) / ContainerBudget.MIB + "m";
    }
}
