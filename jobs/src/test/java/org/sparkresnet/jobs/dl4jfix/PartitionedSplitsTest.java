package org.sparkresnet.jobs.dl4jfix;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkresnet.data.spark.SparkContexts;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The rounds of parameter averaging: disjoint, covering, one balanced partition per worker, randomly drawn. */
class PartitionedSplitsTest {
    static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkContexts.create("partitioned-splits-test", "local[2]");
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    static JavaRDD<Integer> minibatches(int n, int partitions) {
        return sc.parallelize(IntStream.range(0, n).boxed().toList(), partitions);
    }

    @Test
    void everyMinibatchLandsInExactlyOneRoundWithOnePartitionPerWorker() {
        // 103 minibatches, 2 workers x 5 per round: 10 rounds (rounded down as upstream), 20 partitions of 5 or 6
        JavaRDD<Integer>[] rounds = PartitionedSplits.split(minibatches(103, 7), 103, 10, 2, 42);
        assertEquals(10, rounds.length);
        List<Integer> all = new ArrayList<>();
        for (JavaRDD<Integer> round : rounds) {
            List<List<Integer>> workers = round.glom().collect();
            assertEquals(2, workers.size(), "one partition per worker");
            workers.forEach(w -> assertEquals(5, w.size(), 1.0, "balanced: " + workers));
            workers.forEach(all::addAll);
        }
        assertEquals(IntStream.range(0, 103).boxed().toList(), all.stream().sorted().toList());
    }

    @Test
    void roundsAreDrawnAtRandomAndRepeatablyFromTheSeed() {
        List<List<Integer>> first = PartitionedSplits.split(minibatches(40, 4), 40, 8, 2, 1)[0].glom().collect();
        assertNotEquals(List.of(List.of(0, 1, 2, 3), List.of(4, 5, 6, 7)), first, "not the first minibatches in order");
        assertEquals(first, PartitionedSplits.split(minibatches(40, 4), 40, 8, 2, 1)[0].glom().collect());
    }

    @Test
    void dataThatFitsOneRoundIsLeftAsItIs() {
        JavaRDD<Integer> data = minibatches(6, 3);
        assertSame(data, PartitionedSplits.split(data, 6, 8, 2, 1)[0]);
    }
}
