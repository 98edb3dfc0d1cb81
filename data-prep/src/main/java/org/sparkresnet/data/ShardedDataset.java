package org.sparkresnet.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.sparkresnet.data.fs.SerializableConfiguration;
import org.sparkresnet.data.stream.EpochPlan;
import org.apache.spark.util.LongAccumulator;
import org.sparkresnet.data.shard.Augmentation;
import org.sparkresnet.data.shard.Minibatches;
import org.sparkresnet.data.shard.Normalization;
import org.sparkresnet.data.shard.ShardFormat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Reads a prepared split (see {@link SplitManifest}) as minibatches for training and evaluation. On Spark, only shard
 * paths travel to the executors, which read and decode the shards; nothing is collected on the driver.
 */
public final class ShardedDataset {
    private ShardedDataset() {
    }

    /**
     * Minibatches of a prepared split as an RDD with one partition per shard: features normalised
     * {@code (x/255 - mean)/std} as FLOAT [n,c,h,w], labels one-hot FLOAT [n, numClasses]. Each shard yields
     * ceil(shardSize / batchSize) batches, so only a shard's last batch can be smaller than {@code batchSize}.
     *
     * @param shuffleSeed {@code < 0}: shards and examples in file order; otherwise the shard order and the example
     *                    order inside each shard are shuffled, the same way for the same seed
     */
    public static JavaRDD<DataSet> minibatches(JavaSparkContext sc, String splitDirUri, int batchSize, long shuffleSeed) {
        return minibatches(sc, splitDirUri, batchSize, shuffleSeed, null);
    }

    /**
     * As {@link #minibatches(JavaSparkContext, String, int, long)}, with training-time augmentation (random resized crop,
     * horizontal flip) applied to every example as it is read; {@code augmentation} null means none. The random draws
     * follow from {@code shuffleSeed} and the shard, so the same seed gives the same batches; pass a new seed per
     * epoch for new variations.
     */
    public static JavaRDD<DataSet> minibatches(JavaSparkContext sc, String splitDirUri, int batchSize, long shuffleSeed,
                                               Augmentation augmentation) {
        requirePositiveBatchSize(batchSize);
        SplitManifest manifest = SplitManifest.read(splitDirUri, sc.hadoopConfiguration());
        List<ShardRef> shards = new ArrayList<>();
        for (int i = 0; i < manifest.shards().size(); i++) {
            String uri = new Path(splitDirUri, manifest.shards().get(i)).toString();
            // a seed per shard, derived from the call's seed, so examples shuffle differently in every shard
            long exampleSeed = shuffleSeed < 0 ? -1 : new Random(shuffleSeed + 31L * i).nextLong() & Long.MAX_VALUE;
            shards.add(new ShardRef(uri, exampleSeed, new Random(shuffleSeed * 1_000_003L + i).nextLong()));
        }
        if (shuffleSeed >= 0) {
            Collections.shuffle(shards, new Random(shuffleSeed));
        }
        SerializableConfiguration conf = new SerializableConfiguration(sc.hadoopConfiguration());
        Normalization normalization = Normalization.of(manifest.spec()); // mean/std as recorded with the data
        int partitions = Math.max(1, shards.size());
        return sc.parallelize(shards, partitions).flatMap(shard -> {
            DataSet raw = ShardFormat.read(new Path(shard.uri()), conf.get());
            int n = raw.numExamples();
            int[] order = shard.exampleSeed() < 0 ? Minibatches.inOrder(n) : Minibatches.shuffled(n, shard.exampleSeed());
            return Minibatches.split(raw, order, batchSize, normalization, augmentation, new Random(shard.augmentSeed())).iterator();
        });
    }

    /**
     * One epoch's minibatch references for a prepared split (see {@link EpochPlan}); training that builds several RDDs
     * from one split opens a {@link StreamedSplit} once instead.
     */
    public static EpochPlan epochPlan(JavaSparkContext sc, String splitDirUri, int batchSize, long seed) {
        return StreamedSplit.open(sc, splitDirUri).plan(batchSize, seed);
    }

    /** {@link StreamedSplit#minibatches} of the split, opened for this one RDD. */
    public static JavaRDD<DataSet> streamed(JavaSparkContext sc, String splitDirUri, EpochPlan plan, int partitions,
                                            Augmentation augmentation, LongAccumulator dataWaitNanos) {
        return StreamedSplit.open(sc, splitDirUri).minibatches(plan, partitions, augmentation, dataWaitNanos);
    }

    /** As {@link #streamed(JavaSparkContext, String, EpochPlan, int, Augmentation, LongAccumulator)}, not measuring waits. */
    public static JavaRDD<DataSet> streamed(JavaSparkContext sc, String splitDirUri, EpochPlan plan, int partitions,
                                            Augmentation augmentation) {
        return streamed(sc, splitDirUri, plan, partitions, augmentation, null);
    }

    /** Driver-side, in file order, for evaluation and single-JVM training; reads one shard at a time. */
    public static DataSetIterator localIterator(String splitDirUri, Configuration conf, int batchSize) {
        requirePositiveBatchSize(batchSize);
        return new ShardIterator(splitDirUri, SplitManifest.read(splitDirUri, conf), conf, batchSize);
    }

    private static void requirePositiveBatchSize(int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be > 0, got " + batchSize);
        }
    }

    /** One shard file to read on an executor, the seed to shuffle its examples with (-1: keep file order) and to augment them with. */
    record ShardRef(String uri, long exampleSeed, long augmentSeed) implements java.io.Serializable {
    }
}
