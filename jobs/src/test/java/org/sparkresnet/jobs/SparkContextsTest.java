package org.sparkresnet.jobs;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.sparkresnet.data.spark.ExecutorThreads;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.runtime.JvmFlags;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which master a job gets, and that executors get the project's JVM flags. */
class SparkContextsTest {
    @AfterEach
    void clearSubmitMaster() {
        System.clearProperty("spark.master");
        System.clearProperty("spark.executor.extraJavaOptions");
    }

    @Test
    void defaultsToLocalStarWhenNoMasterIsGiven() {
        assertEquals("local[*]", SparkContexts.conf("t", null).get("spark.master"));
    }

    @Test
    void theJobsMasterOptionComesNext() {
        assertEquals("local[2]", SparkContexts.conf("t", "local[2]").get("spark.master"));
    }

    @Test
    void sparkSubmitsMasterWins() {
        System.setProperty("spark.master", "spark://cluster:7077"); // how spark-submit hands --master to the driver
        assertEquals("spark://cluster:7077", SparkContexts.conf("t", "local[2]").get("spark.master"));
    }

    @Test
    void executorsGetTheProjectFlagsAndKeepTheUsersOwn() {
        System.setProperty("spark.executor.extraJavaOptions", "-XX:+UseG1GC");
        String options = SparkContexts.conf("t", null).get("spark.executor.extraJavaOptions");
        assertTrue(options.startsWith(JvmFlags.asString()), options);
        assertTrue(options.endsWith("-XX:+UseG1GC"), options);
        assertTrue(JvmFlags.asString().contains("--add-opens=java.base/java.nio=ALL-UNNAMED"), "flags were filtered from the pom");
    }

    @Test
    void executorsGetOneNativeThreadPerCoreOfEachWorker() {
        assertEquals("1", SparkContexts.conf("t", null).get(ExecutorThreads.KEY), "one task per core by default");
        System.setProperty("spark.task.cpus", "4");
        System.setProperty("spark.executor.cores", "8");
        try {
            assertEquals("4", SparkContexts.conf("t", null).get(ExecutorThreads.KEY), "a task's cores");
            assertEquals("8", SparkContexts.conf("t", null, ExecutorThreads.PER_EXECUTOR).get(ExecutorThreads.KEY),
                    "gradient sharing's one trainer per executor gets all its cores");
            System.setProperty(ExecutorThreads.KEY, "3");
            assertEquals("3", SparkContexts.conf("t", null).get(ExecutorThreads.KEY), "the user's setting wins");
        } finally {
            System.clearProperty("spark.task.cpus");
            System.clearProperty("spark.executor.cores");
            System.clearProperty(ExecutorThreads.KEY);
        }
        assertEquals(false, SparkContexts.conf("t", null, ExecutorThreads.PER_EXECUTOR).contains(ExecutorThreads.KEY),
                "executor cores unknown: ND4J's default");
    }

    @Test
    void confIsNotAltered() {
        SparkConf conf = SparkContexts.conf("t", null);
        assertEquals("t", conf.get("spark.app.name"));
    }
}
