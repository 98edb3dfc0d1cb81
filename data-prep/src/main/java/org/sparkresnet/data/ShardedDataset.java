package org.sparkresnet.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.sparkresnet.data.fs.SerializableConfiguration;
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
        requirePositiveBatchSize(batchSize);
        SplitManifest manifest = SplitManifest.read(splitDirUri, sc.hadoopConfiguration());
        List<ShardRef> shards = new ArrayList<>();
        for (int i = 0; i < manifest.shards().size(); i++) {
            String uri = new Path(splitDirUri, manifest.shards().get(i)).toString();
            // a seed per shard, derived from the call's seed, so examples shuffle differently in every shard
            shards.add(new ShardRef(uri, shuffleSeed < 0 ? -1 : new Random(shuffleSeed + 31L * i).nextLong() & Long.MAX_VALUE));
        }
        if (shuffleSeed >= 0) {
            Collections.shuffle(shards, new Random(shuffleSeed));
        }
        SerializableConfiguration conf = new SerializableConfiguration(sc.hadoopConfiguration());
        Normalization normalization = Normalization.of(manifest.spec());
        int partitions = Math.max(1, shards.size());
        return sc.parallelize(shards, partitions).flatMap(shard -> {
            DataSet raw = ShardFormat.read(new Path(shard.uri()), conf.get());
            int n = raw.numExamples();
            int[] order = shard.exampleSeed() < 0 ? Minibatches.inOrder(n) : Minibatches.shuffled(n, shard.exampleSeed());
            return Minibatches.split(raw, order, batchSize, normalization).iterator();
        });
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

    /** One shard file to read on an executor and the seed to shuffle its examples with (-1: keep file order). */
    record ShardRef(String uri, long exampleSeed) implements java.io.Serializable {
    }
}
