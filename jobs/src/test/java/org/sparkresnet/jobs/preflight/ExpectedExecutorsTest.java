package org.sparkresnet.jobs.preflight;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExpectedExecutorsTest {
    private static ExpectedExecutors of(String master, String... settings) {
        SparkConf conf = new SparkConf(false).setMaster(master);
        for (int i = 0; i < settings.length; i += 2) {
            conf.set(settings[i], settings[i + 1]);
        }
        return ExpectedExecutors.of(conf, null);
    }

    @Test
    void localMastersHaveNoExecutorsAndLocalClusterSaysHowMany() {
        assertEquals(0, of("local[4]").count());
        assertEquals(0, of("local").count());
        ExpectedExecutors localCluster = of("local-cluster[3,1,1024]");
        assertEquals(3, localCluster.count());
        assertTrue(localCluster.exact());
    }

    @Test
    void instancesAndTheClusterManagersDefault() {
        assertEquals(8, of("yarn", "spark.executor.instances", "8").count());
        assertEquals(2, of("yarn").count(), "YARN starts 2 executors unless told");
        assertEquals(2, of("k8s://https://k:6443").count());
        assertEquals(4, of("spark://m:7077", "spark.cores.max", "16", "spark.executor.cores", "4").count());
        ExpectedExecutors standalone = of("spark://m:7077");
        assertEquals(1, standalone.count());
        assertFalse(standalone.exact(), "standalone takes what the master grants: wait for the number to settle");
    }

    @Test
    void dynamicAllocationWaitsForItsLargestStartingNumber() {
        ExpectedExecutors dynamic = of("yarn", "spark.dynamicAllocation.enabled", "true", "spark.dynamicAllocation.minExecutors", "2",
                "spark.dynamicAllocation.initialExecutors", "5");
        assertEquals(5, dynamic.count());
        assertFalse(dynamic.exact());
        assertEquals(1, of("yarn", "spark.dynamicAllocation.enabled", "true").count(), "at least one executor");
    }

    @Test
    void theOptionWins() {
        ExpectedExecutors option = ExpectedExecutors.of(new SparkConf(false).setMaster("yarn").set("spark.executor.instances", "8"), 3);
        assertEquals(3, option.count());
        assertTrue(option.exact());
    }
}
