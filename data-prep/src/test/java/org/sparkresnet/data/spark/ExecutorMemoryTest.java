package org.sparkresnet.data.spark;

import org.apache.spark.SparkConf;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The executors' off-heap cap and memoryOverhead: what a YARN or Kubernetes container must hold besides the heap. */
class ExecutorMemoryTest {
    @AfterEach
    void clearSubmitSettings() {
        System.clearProperty("spark.master");
        System.clearProperty("spark.executor.memoryOverhead");
    }

    private static SparkConf conf(String master) {
        return new SparkConf(false).setMaster(master);
    }

    private static SparkConf applied(SparkConf conf) {
        ExecutorMemory.apply(conf);
        return conf;
    }

    private static String cap(SparkConf conf) {
        return ExecutorMemory.lastMaxBytes(conf.get("spark.executor.extraJavaOptions"));
    }

    @Test
    void byDefaultTheCapIsTheHeapAsJavaCppWouldTakeItAndTheOverheadHoldsIt() {
        SparkConf conf = applied(conf("yarn"));
        assertEquals("1024m", cap(conf), "Spark's default heap of 1g");
        assertEquals("1408m", conf.get("spark.executor.memoryOverhead"), "1024 MiB off-heap + Spark's minimum 384 MiB");

        conf = applied(conf("yarn").set("spark.executor.memory", "10g"));
        assertEquals("10240m", cap(conf));
        assertEquals((10240 + 1024) + "m", conf.get("spark.executor.memoryOverhead"), "10% of a 10 GiB heap is above 384 MiB");
    }

    @Test
    void theProjectSettingWinsAndExecutorsGetItAsTheirMaxBytes() {
        SparkConf conf = applied(conf("yarn").set("spark.executor.memory", "2g").set(ExecutorMemory.OFF_HEAP_KEY, "4g")
                .set("spark.executor.extraJavaOptions", "-XX:+UseG1GC"));
        assertEquals("-Dorg.bytedeco.javacpp.maxbytes=4096m -XX:+UseG1GC", conf.get("spark.executor.extraJavaOptions"),
                "the user's options keep their place at the end");
        assertEquals((4096 + 384) + "m", conf.get("spark.executor.memoryOverhead"));

        conf = applied(conf("yarn").set(ExecutorMemory.OFF_HEAP_KEY, "3g")
                .set("spark.executor.extraJavaOptions", "-Dorg.bytedeco.javacpp.maxbytes=8G -XX:+UseG1GC"));
        assertEquals("3072m", cap(conf), "appended after the user's maxbytes: the JVM keeps the last -D");
        assertEquals((3072 + 384) + "m", conf.get("spark.executor.memoryOverhead"));
    }

    @Test
    void aMaxBytesAlreadyInTheExecutorOptionsIsTheCap() {
        String options = "-XX:+UseG1GC -Dorg.bytedeco.javacpp.maxphysicalbytes=0 -Dorg.bytedeco.javacpp.maxbytes=6G";
        SparkConf conf = applied(conf("yarn").set("spark.executor.memory", "4g").set("spark.executor.extraJavaOptions", options));
        assertEquals(options, conf.get("spark.executor.extraJavaOptions"), "nothing added, maxphysicalbytes not mistaken for it");
        assertEquals((6144 + 409) + "m", conf.get("spark.executor.memoryOverhead"), "6 GiB + 10% of the 4 GiB heap");

        conf = applied(conf("yarn").set("spark.executor.memory", "2g").set("spark.executor.extraJavaOptions", "-Dorg.bytedeco.javacpp.maxbytes=50%"));
        assertEquals((1024 + 384) + "m", conf.get("spark.executor.memoryOverhead"), "JavaCPP reads % of the heap");
    }

    @Test
    void readsMaxBytesExactlyAsJavaCppDoes() {
        long heapMb = 3000;
        for (String value : new String[]{"123456789", "2G", "2gb", "512m", "700MB", "1048577", "100k", "1t", "25%"}) {
            long javacppBytes = Pointer.parseBytes(value, heapMb * 1024 * 1024);
            assertEquals((javacppBytes + 1024 * 1024 - 1) / (1024 * 1024), ExecutorMemory.javacppSizeMb(value, heapMb), value);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExecutorMemory.javacppSizeMb("4 gigs", 1024));
        assertTrue(e.getMessage().contains("-Dorg.bytedeco.javacpp.maxbytes=4 gigs"), e.getMessage());
    }

    @Test
    void theOverheadFactorSparkUsesIsHonoured() {
        SparkConf conf = applied(conf("yarn").set("spark.executor.memory", "4g").set("spark.executor.memoryOverheadFactor", "0.4"));
        assertEquals((4096 + 1638) + "m", conf.get("spark.executor.memoryOverhead"));
    }

    @Test
    void anOverheadTooSmallForTheCapFailsFastOnYarnAndKubernetes() {
        for (String master : new String[]{"yarn", "k8s://https://kubernetes.default.svc"}) {
            SparkConf conf = conf(master).set("spark.executor.memory", "2g").set("spark.executor.memoryOverhead", "1g");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExecutorMemory.apply(conf));
            String message = e.getMessage();
            assertTrue(message.contains("spark.executor.memoryOverhead=1g (1024 MiB)"), message);
            assertTrue(message.contains("off-heap cap of 2048 MiB"), message);
            assertTrue(message.contains("at least 2432m"), message);
            assertTrue(message.contains(ExecutorMemory.OFF_HEAP_KEY), message);
        }
    }

    @Test
    void anOverheadLargeEnoughOrWithoutContainersIsLeftAlone() {
        SparkConf enough = applied(conf("yarn").set("spark.executor.memory", "2g").set("spark.executor.memoryOverhead", "2432m"));
        assertEquals("2432m", enough.get("spark.executor.memoryOverhead"));
        for (String master : new String[]{"local[2]", "local-cluster[2,1,1024]", "spark://master:7077"}) {
            SparkConf conf = applied(conf(master).set("spark.executor.memoryOverhead", "100m"));
            assertEquals("100m", conf.get("spark.executor.memoryOverhead"), master + " has no container limit");
            assertEquals("1024m", cap(conf), master);
        }
    }

    @Test
    void anUncappedOffHeapCannotBeSizedForAContainer() {
        SparkConf yarn = conf("yarn").set("spark.executor.extraJavaOptions", "-Dorg.bytedeco.javacpp.maxbytes=0");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExecutorMemory.apply(yarn));
        assertTrue(e.getMessage().contains("uncapped"), e.getMessage());
        SparkConf standalone = applied(conf("spark://master:7077").set("spark.executor.extraJavaOptions", "-Dorg.bytedeco.javacpp.maxbytes=0"));
        assertFalse(standalone.contains("spark.executor.memoryOverhead"), "Spark's default overhead where nothing enforces it");
    }

    @Test
    void badSizesNameTheSetting() {
        SparkConf conf = conf("yarn").set(ExecutorMemory.OFF_HEAP_KEY, "lots");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExecutorMemory.apply(conf));
        assertTrue(e.getMessage().startsWith("spark.resnet.executor.offHeap=lots is not a size"), e.getMessage());
    }

    @Test
    void describesTheSizingInOneLineExceptForLocalMasters() {
        assertTrue(ExecutorMemory.describe(applied(conf("local[2]"))).isEmpty(), "local[N] has no executors");
        String line = ExecutorMemory.describe(applied(conf("yarn").set("spark.executor.memory", "2g"))).orElseThrow();
        assertEquals("executor memory: heap 2048 MiB, ND4J off-heap cap 2048 MiB, memoryOverhead 2432 MiB, container 4480 MiB", line);
        line = ExecutorMemory.describe(applied(conf("local-cluster[2,1,1024]"))).orElseThrow();
        assertEquals("executor memory: heap 1024 MiB, ND4J off-heap cap 1024 MiB, memoryOverhead 1408 MiB", line);
    }

    @Test
    void everyJobsContextGetsThePolicyAndTheFailure() {
        System.setProperty("spark.master", "yarn"); // as spark-submit hands --master to the driver
        SparkConf conf = SparkContexts.conf("t", null);
        assertEquals("1408m", conf.get("spark.executor.memoryOverhead"));
        assertEquals("1024m", cap(conf));
        assertTrue(conf.get("spark.executor.extraJavaOptions").startsWith(org.sparkresnet.runtime.JvmFlags.asString()),
                "the project's flags still come first");
        System.setProperty("spark.executor.memoryOverhead", "512m");
        assertThrows(IllegalArgumentException.class, () -> SparkContexts.conf("t", null));
    }
}
