package org.sparkresnet.jobs.preflight;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryCheckTest {
    private static final long MIB = ContainerBudget.MIB;
    private static final long GIB = 1024 * MIB;

    @Test
    void overheadDefaultsToTenPercentOfTheHeapButAtLeast384MiB() {
        assertEquals(384 * MIB, ContainerBudget.of(new SparkConf(false).set("spark.executor.memory", "2g")).overheadBytes());
        ContainerBudget big = ContainerBudget.of(new SparkConf(false).set("spark.executor.memory", "16g"));
        assertEquals(16 * GIB, big.heapBytes());
        assertEquals((long) (0.1 * 16 * 1024) * MIB, big.overheadBytes());
        assertEquals(1 * GIB, ContainerBudget.of(new SparkConf(false)).heapBytes(), "Spark's default executor memory");
    }

    @Test
    void aSetOverheadWinsAndABareNumberMeansMiB() {
        ContainerBudget budget = ContainerBudget.of(new SparkConf(false).set("spark.executor.memory", "8g")
                .set("spark.executor.memoryOverhead", "6000").set("spark.memory.offHeap.enabled", "true")
                .set("spark.memory.offHeap.size", "1g"));
        assertEquals(6000 * MIB, budget.overheadBytes());
        assertEquals(8 * GIB + 6000 * MIB + GIB, budget.containerBytes());
        assertTrue(budget.overheadSource().contains("spark.executor.memoryOverhead=6000"), budget.overheadSource());
    }

    @Test
    void anOffHeapCapLargerThanTheOverheadFailsWithBothFixes() {
        ContainerBudget budget = ContainerBudget.of(new SparkConf(false).set("spark.executor.memory", "4g")
                .set("spark.executor.memoryOverhead", "1g"));
        Check check = MemoryCheck.evaluate("executor 1 (h)", new MemoryCheck.Facts(4 * GIB, 4 * GIB, 300 * MIB, 64 * GIB), budget);
        assertEquals(Check.Status.FAIL, check.status());
        assertTrue(check.detail().contains("larger than the overhead"), check.detail());
        // 4096 MiB cap + 384 MiB for the JVM; or a cap of 1024 - 384 MiB
        assertTrue(check.advice().contains("spark.executor.memoryOverhead to at least 4480m"), check.advice());
        assertTrue(check.advice().contains("lower the off-heap cap to 640m or less (--conf spark.resnet.executor.offHeap"), check.advice());
    }

    @Test
    void aCapThatFitsButLeavesTheJvmNoRoomWarns() {
        ContainerBudget budget = ContainerBudget.of(new SparkConf(false).set("spark.executor.memoryOverhead", "1g"));
        Check check = MemoryCheck.evaluate("e", new MemoryCheck.Facts(GIB, 900 * MIB, 0, 0), budget);
        assertEquals(Check.Status.WARN, check.status(), check.toString());
        assertTrue(check.advice().contains("at least 1284m"), check.advice());
    }

    @Test
    void aCapWithRoomBesideItPasses() {
        ContainerBudget budget = ContainerBudget.of(new SparkConf(false).set("spark.executor.memoryOverhead", "3g"));
        Check check = MemoryCheck.evaluate("e", new MemoryCheck.Facts(GIB, 2 * GIB, 0, 64 * GIB), budget);
        assertEquals(Check.Status.PASS, check.status(), check.toString());
        assertTrue(check.detail().contains("ND4J off-heap cap 2048 MiB"), check.detail());
    }

    @Test
    void anUncappedNd4jFailsAndALocalMasterHasNoContainer() {
        ContainerBudget budget = ContainerBudget.of(new SparkConf(false).set("spark.executor.memoryOverhead", "2g"));
        Check uncapped = MemoryCheck.evaluate("e", new MemoryCheck.Facts(GIB, 0, 0, 0), budget);
        assertEquals(Check.Status.FAIL, uncapped.status());
        assertTrue(uncapped.advice().contains("1664m"), uncapped.advice());
        assertEquals(Check.Status.PASS, MemoryCheck.evaluate("driver", new MemoryCheck.Facts(GIB, 0, 0, 0), null).status());
    }

    @Test
    void thisJvmsFactsComeFromJavaCpp() {
        MemoryCheck.Facts facts = MemoryCheck.Facts.ofThisJvm();
        assertEquals(Runtime.getRuntime().maxMemory(), facts.maxHeapBytes());
        assertEquals(org.bytedeco.javacpp.Pointer.maxBytes(), facts.offHeapCapBytes());
        assertTrue(facts.physicalNowBytes() > 0 && facts.machineBytes() > 0, facts.toString());
    }
}
