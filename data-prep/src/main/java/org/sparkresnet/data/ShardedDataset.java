package org.sparkresnet.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.TaskContext;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.data.fs.SerializableConfiguration;
import org.sparkresnet.data.stream.EpochPlan;
import org.sparkresnet.data.stream.MinibatchReader;
import org.sparkresnet.data.stream.PrefetchingIterator;
import org.apache.spark.util.LongAccumulator;
import org.sparkresnet.data.shard.Augmentation;
import org.sparkresnet.data.shard.Minibatches;
import org.sparkresnet.data.shard.Normalization;
import org.sparkresnet.data.shard.ShardFormat;

import java.io.IOException;
import java.io.UncheckedIOException;
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
     * One epoch's minibatch references for a prepared split (see {@link EpochPlan}): examples mixed across shards, the
     * same plan for the same seed. Only the manifest is read.
     */
    public static EpochPlan epochPlan(JavaSparkContext sc, String splitDirUri, int batchSize, long seed) {
        requirePositiveBatchSize(batchSize);
        SplitManifest manifest = SplitManifest.read(splitDirUri, sc.hadoopConfiguration());
        return EpochPlan.of(manifest, shardFiles(splitDirUri, manifest), batchSize, seed);
    }

    /** Minibatches decoded ahead of the training loop on another thread (see {@link PrefetchingIterator}). */
    public static final int PREFETCH_DEPTH = 2;

    /**
     * The minibatches of {@code plan} as an RDD of {@code partitions} partitions (consecutive minibatches of the plan
     * in each), read from the shards and decoded on the executors as they are consumed, {@link #PREFETCH_DEPTH} ahead
     * on a background thread. Only the references travel: nothing is shuffled, and nothing is cached unless the
     * caller persists the RDD.
     *
     * @param augmentation  null for none
     * @param dataWaitNanos null, or an accumulator that adds the nanoseconds the consumer waited for minibatches
     */
    public static JavaRDD<DataSet> streamed(JavaSparkContext sc, String splitDirUri, EpochPlan plan, int partitions,
                                            Augmentation augmentation, LongAccumulator dataWaitNanos) {
        SplitManifest manifest = SplitManifest.read(splitDirUri, sc.hadoopConfiguration());
        SerializableConfiguration conf = new SerializableConfiguration(sc.hadoopConfiguration());
        Normalization normalization = Normalization.of(manifest.spec());
        List<String> files = plan.shardFiles();
        String version = datasetVersion(splitDirUri, sc.hadoopConfiguration());
        int slices = Math.max(1, partitions);
        return sc.parallelize(plan.minibatches(), slices).mapPartitions(refs -> {
            MinibatchReader reader = new MinibatchReader(files, conf.get(), normalization, augmentation, version);
            PrefetchingIterator<DataSet> prefetched = new PrefetchingIterator<>(reader.iterator(refs), PREFETCH_DEPTH,
                    dataWaitNanos == null ? nanos -> { } : dataWaitNanos::add, "minibatch-reader");
            TaskContext task = TaskContext.get();
            if (task != null) {
                task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) context -> {
                    prefetched.close();
                    reader.close();
                });
            }
            return prefetched;
        });
    }

    /** As {@link #streamed(JavaSparkContext, String, EpochPlan, int, Augmentation, LongAccumulator)}, not measuring waits. */
    public static JavaRDD<DataSet> streamed(JavaSparkContext sc, String splitDirUri, EpochPlan plan, int partitions,
                                            Augmentation augmentation) {
        return streamed(sc, splitDirUri, plan, partitions, augmentation, null);
    }

    private static List<String> shardFiles(String splitDirUri, SplitManifest manifest) {
        List<String> files = new ArrayList<>();
        for (String shard : manifest.shards()) {
            files.add(new Path(splitDirUri, shard).toString());
        }
        return files;
    }

    /** The manifest's modification time and length: a new preparation at the same path gives another version. */
    private static String datasetVersion(String splitDirUri, Configuration conf) {
        Path manifest = new Path(splitDirUri, SplitManifest.FILE_NAME);
        try {
            FileStatus status = HadoopFiles.fileSystem(manifest, conf).getFileStatus(manifest);
            return status.getModificationTime() + ":" + status.getLen();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + manifest + ": " + e.getMessage(), e);
        }
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
