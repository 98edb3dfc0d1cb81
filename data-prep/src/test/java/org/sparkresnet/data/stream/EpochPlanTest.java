package org.sparkresnet.data.stream;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EpochPlanTest {
    static final List<Integer> COUNTS = List.of(100, 100, 100, 100, 100, 100, 100, 100, 100, 37);
    static final List<String> FILES = files(COUNTS.size());

    static List<String> files(int n) {
        List<String> files = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            files.add("file:/data/train/shard-" + i + ".bin");
        }
        return files;
    }

    /** Every example as shard * 1000 + index, in plan order. */
    static List<Integer> examples(EpochPlan plan) {
        List<Integer> all = new ArrayList<>();
        for (MinibatchRef batch : plan.minibatches()) {
            for (ExampleRange r : batch.ranges()) {
                for (int e = r.from(); e < r.to(); e++) {
                    all.add(r.shard() * 1000 + e);
                }
            }
        }
        return all;
    }

    @Test
    void everyExampleExactlyOnceInFullMinibatches() {
        EpochPlan plan = EpochPlan.of(COUNTS, FILES, 32, 4, 7);
        List<Integer> all = examples(plan);
        assertEquals(937, all.size());
        assertEquals(937, new HashSet<>(all).size(), "no example twice");
        assertEquals(937, plan.numExamples());
        assertEquals(30, plan.size(), "ceil(937 / 32)");
        for (int i = 0; i < plan.size() - 1; i++) {
            assertEquals(32, plan.minibatches().get(i).examples(), "only the last minibatch may be short");
        }
        assertEquals(937 - 29 * 32, plan.minibatches().get(29).examples());
        for (MinibatchRef b : plan.minibatches()) {
            b.ranges().forEach(r -> assertTrue(r.size() <= 4 && r.to() <= COUNTS.get(r.shard()), r.toString()));
        }
    }

    @Test
    void minibatchesMixShardsAndTheMixChangesWithTheSeed() {
        EpochPlan epoch1 = EpochPlan.of(COUNTS, FILES, 32, 4, 1);
        EpochPlan epoch2 = EpochPlan.of(COUNTS, FILES, 32, 4, 2);
        double shardsPerBatch = epoch1.minibatches().stream()
                .mapToLong(b -> b.ranges().stream().map(ExampleRange::shard).distinct().count()).average().orElseThrow();
        assertTrue(shardsPerBatch >= 5, "a minibatch of 8 runs draws from " + shardsPerBatch + " shards on average, expected most of 8");
        assertNotEquals(examples(epoch1), examples(epoch2), "another epoch, another order");
        Set<Set<Integer>> batches1 = new HashSet<>();
        epoch1.minibatches().forEach(b -> batches1.add(new HashSet<>(examples(new EpochPlan(FILES, List.of(b), 32, 32)))));
        long sameBatch = epoch2.minibatches().stream()
                .filter(b -> batches1.contains(new HashSet<>(examples(new EpochPlan(FILES, List.of(b), 32, 32))))).count();
        assertEquals(0, sameBatch, "no minibatch of epoch 2 repeats one of epoch 1");
        assertEquals(examples(epoch1), examples(EpochPlan.of(COUNTS, FILES, 32, 4, 1)), "the same seed gives the same plan (resume)");
        assertEquals(epoch1.minibatches().get(3).augmentSeed(), EpochPlan.of(COUNTS, FILES, 32, 4, 1).minibatches().get(3).augmentSeed());
    }

    @Test
    void runStartsMoveBetweenEpochs() {
        Set<Integer> starts1 = new HashSet<>();
        Set<Integer> starts2 = new HashSet<>();
        EpochPlan.of(COUNTS, FILES, 32, 10, 1).minibatches().forEach(b -> b.ranges().stream().filter(r -> r.shard() == 0)
                .forEach(r -> starts1.add(r.from())));
        EpochPlan.of(COUNTS, FILES, 32, 10, 2).minibatches().forEach(b -> b.ranges().stream().filter(r -> r.shard() == 0)
                .forEach(r -> starts2.add(r.from())));
        assertNotEquals(starts1, starts2, "runs of 10 start at other offsets in another epoch");
    }

    @Test
    void defaultRunLengthGivesEightReadsPerMinibatch() {
        assertEquals(8, EpochPlan.READS_PER_MINIBATCH);
        EpochPlan plan = EpochPlan.of(COUNTS, FILES, 64, 8, 3);
        double reads = plan.minibatches().stream().mapToInt(b -> b.ranges().size()).average().orElseThrow();
        assertTrue(reads >= 8 && reads < 10, reads + " reads per minibatch of 64 in runs of 8");
    }

    @Test
    void slicesKeepTheirMinibatches() {
        EpochPlan plan = EpochPlan.of(COUNTS, FILES, 32, 4, 9);
        EpochPlan slice = plan.slice(5, 10);
        assertEquals(plan.minibatches().subList(5, 10), slice.minibatches());
        assertEquals(160, slice.numExamples());
        assertThrows(IllegalArgumentException.class, () -> EpochPlan.of(COUNTS, FILES.subList(0, 3), 32, 4, 1));
        assertThrows(IllegalArgumentException.class, () -> EpochPlan.of(COUNTS, FILES, 0, 4, 1));
    }
}
