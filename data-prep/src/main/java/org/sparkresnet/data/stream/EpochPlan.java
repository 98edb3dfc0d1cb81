package org.sparkresnet.data.stream;

import org.sparkresnet.data.SplitManifest;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * One epoch's data order as references, made on the driver from the manifest alone (no data is read): every example
 * of the split exactly once, in minibatches of {@code batchSize} (only the last can be smaller).
 *
 * <p>How examples are mixed across shards: each shard is cut into runs of {@code examplesPerRead} consecutive
 * examples, starting at a random offset that changes every epoch (so the runs regroup differently each time); all
 * runs of all shards are shuffled together, and consecutive runs fill the minibatches. A minibatch so holds
 * {@code batchSize / examplesPerRead} runs from as many random places of the whole dataset, and each run costs one
 * positioned read of contiguous bytes. {@code examplesPerRead = 1} is a full per-example shuffle (a read per example).
 * The same seed gives the same plan, so a resumed run sees the data the killed one would have.
 */
public record EpochPlan(List<String> shardFiles, List<MinibatchRef> minibatches, int batchSize, long numExamples) implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Runs of examples per minibatch by default: each minibatch mixes this many places of the dataset. */
    public static final int READS_PER_MINIBATCH = 8;

    public EpochPlan {
        shardFiles = List.copyOf(shardFiles);
        minibatches = List.copyOf(minibatches);
    }

    /** The plan for one epoch of {@code manifest}'s split with {@link #READS_PER_MINIBATCH} reads per minibatch. */
    public static EpochPlan of(SplitManifest manifest, List<String> shardFiles, int batchSize, long seed) {
        return of(manifest.shardCounts(), shardFiles, batchSize, Math.max(1, (batchSize + READS_PER_MINIBATCH - 1) / READS_PER_MINIBATCH), seed);
    }

    /**
     * The plan over shards holding {@code shardCounts} examples (files {@code shardFiles}, in the same order).
     *
     * @param examplesPerRead length of the runs of consecutive examples read together, >= 1
     */
    public static EpochPlan of(List<Integer> shardCounts, List<String> shardFiles, int batchSize, int examplesPerRead, long seed) {
        if (batchSize < 1 || examplesPerRead < 1) {
            throw new IllegalArgumentException("batch size and examples per read must be >= 1, got " + batchSize + " and " + examplesPerRead);
        }
        if (shardCounts.size() != shardFiles.size()) {
            throw new IllegalArgumentException(shardCounts.size() + " shard counts for " + shardFiles.size() + " shard files");
        }
        Random random = new Random(seed);
        List<ExampleRange> runs = new ArrayList<>();
        long total = 0;
        for (int shard = 0; shard < shardCounts.size(); shard++) {
            int n = shardCounts.get(shard);
            total += n;
            int end = examplesPerRead == 1 ? 1 : 1 + random.nextInt(examplesPerRead); // the first run's random length
            for (int start = 0; start < n; start = end, end += examplesPerRead) {
                runs.add(new ExampleRange(shard, start, Math.min(end, n)));
            }
        }
        Collections.shuffle(runs, random);
        List<MinibatchRef> batches = new ArrayList<>();
        List<ExampleRange> current = new ArrayList<>();
        int filled = 0;
        for (ExampleRange run : runs) {
            int from = run.from();
            while (from < run.to()) {
                int take = Math.min(run.to() - from, batchSize - filled);
                current.add(new ExampleRange(run.shard(), from, from + take));
                from += take;
                filled += take;
                if (filled == batchSize) {
                    batches.add(new MinibatchRef(current, random.nextLong()));
                    current = new ArrayList<>();
                    filled = 0;
                }
            }
        }
        if (filled > 0) {
            batches.add(new MinibatchRef(current, random.nextLong()));
        }
        return new EpochPlan(shardFiles, batches, batchSize, total);
    }

    /** Minibatches [from, to) of this plan, as a plan over the same shards (a round's or a partition's share). */
    public EpochPlan slice(int from, int to) {
        List<MinibatchRef> part = minibatches.subList(from, to);
        return new EpochPlan(shardFiles, part, batchSize, part.stream().mapToLong(MinibatchRef::examples).sum());
    }

    public int size() {
        return minibatches.size();
    }
}
