package org.sparkresnet.data.spark;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The executors' heap flags: the whole heap committed at start, old-generation marking started early, the user's own kept. */
class ExecutorHeapTest {
    private static String optionsAfter(SparkConf conf) {
        ExecutorHeap.apply(conf);
        return conf.get("spark.executor.extraJavaOptions");
    }

    @Test
    void theHeapIsCommittedAtStartAndMarkingStartsEarly() {
        assertEquals("-Xms1024m -XX:+AlwaysPreTouch " + ExecutorHeap.IHOP_FLAGS, optionsAfter(new SparkConf(false)),
                "Spark's default executor heap of 1g");
        assertEquals("-Xms6144m -XX:+AlwaysPreTouch " + ExecutorHeap.IHOP_FLAGS + " -Dfoo=1",
                optionsAfter(new SparkConf(false).set("spark.executor.memory", "6g").set("spark.executor.extraJavaOptions", "-Dfoo=1")),
                "in front of the options already there");
    }

    @Test
    void theUsersOwnChoicesWin() {
        assertEquals(ExecutorHeap.IHOP_FLAGS + " -Xms512m", optionsAfter(new SparkConf(false).set("spark.executor.extraJavaOptions", "-Xms512m")));
        assertEquals("-Xms1024m -XX:+AlwaysPreTouch -XX:InitiatingHeapOccupancyPercent=30",
                optionsAfter(new SparkConf(false).set("spark.executor.extraJavaOptions", "-XX:InitiatingHeapOccupancyPercent=30")));
        assertEquals("-Xms1024m -XX:+AlwaysPreTouch -XX:+UseParallelGC",
                optionsAfter(new SparkConf(false).set("spark.executor.extraJavaOptions", "-XX:+UseParallelGC")), "G1's flags only with G1");
        String all = "-Xms2g -XX:-AlwaysPreTouch -XX:+G1UseAdaptiveIHOP";
        assertEquals(all, optionsAfter(new SparkConf(false).set("spark.executor.extraJavaOptions", all)));
    }

    @Test
    void applyingTwiceAddsNothing() {
        SparkConf conf = new SparkConf(false).set("spark.executor.memory", "2g");
        String once = optionsAfter(conf);
        assertEquals(once, optionsAfter(conf));
    }
}
