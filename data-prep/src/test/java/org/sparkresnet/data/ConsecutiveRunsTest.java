package org.sparkresnet.data;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How the prepare job groups shards into tasks: in order, every shard once, nearly equal stretches. */
class ConsecutiveRunsTest {
    @Test
    void shardsAreSplitInOrderIntoNearlyEqualStretches() {
        List<Integer> shards = IntStream.range(0, 30).boxed().toList();
        List<List<Integer>> runs = PrepareJob.consecutiveRuns(shards, 4);
        assertEquals(4, runs.size());
        assertEquals(shards, runs.stream().flatMap(List::stream).toList());
        assertEquals(List.of(7, 8, 7, 8), runs.stream().map(List::size).toList());
    }

    @Test
    void neverMoreTasksThanShardsNorAnEmptyTask() {
        assertEquals(List.of(List.of(0), List.of(1)), PrepareJob.consecutiveRuns(List.of(0, 1), 8));
        assertEquals(List.of(List.of()), PrepareJob.consecutiveRuns(List.of(), 2));
    }
}
