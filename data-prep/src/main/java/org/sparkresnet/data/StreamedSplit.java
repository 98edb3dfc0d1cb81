package org.sparkresnet.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.LongAccumulator;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.data.fs.SerializableConfiguration;
import org.sparkresnet.data.shard.Augmentation;
import org.sparkresnet.data.shard.Normalization;
import org.sparkresnet.data.stream.EpochPlan;
import org.sparkresnet.data.stream.MinibatchReader;
import org.sparkresnet.data.stream.PrefetchingIterator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A prepared split as training streams it, opened once on the driver: its manifest, shard files, normalisation and
 * version are read here, so planning an epoch and building each averaging round's RDD read no more files.
 */
public final class StreamedSplit {
    /** Minibatches decoded ahead of the training loop on another thread (see {@link PrefetchingIterator}). */
    public static final int PREFETCH_DEPTH = 2;

    private final JavaSparkContext sc;
    private final SplitManifest manifest;
    private final List<String> shardFiles;
    private final Normalization normalization;
    private final String version;
    private final SerializableConfiguration conf;

    private StreamedSplit(JavaSparkContext sc, String splitDirUri) {
        this.sc = sc;
        this.manifest = SplitManifest.read(splitDirUri, sc.hadoopConfiguration());
        List<String> files = new ArrayList<>();
        for (String shard : manifest.shards()) {
            files.add(new Path(splitDirUri, shard).toString());
        }
        this.shardFiles = List.copyOf(files);
        this.normalization = Normalization.of(manifest.spec());
        this.version = datasetVersion(splitDirUri, sc.hadoopConfiguration());
        this.conf = new SerializableConfiguration(sc.hadoopConfiguration());
    }

    public static StreamedSplit open(JavaSparkContext sc, String splitDirUri) {
        return new StreamedSplit(sc, splitDirUri);
    }

    /** One epoch's minibatch references (see {@link EpochPlan}): examples mixed across shards, the same plan for the same seed. */
    public EpochPlan plan(int batchSize, long seed) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be > 0, got " + batchSize);
        }
        return EpochPlan.of(manifest, shardFiles, batchSize, seed);
    }

    /**
     * The minibatches of {@code plan} (a plan of this split, or a slice of one) as an RDD of {@code partitions}
     * partitions (consecutive minibatches of the plan in each), read from the shards and decoded on the executors as
     * they are consumed, {@link #PREFETCH_DEPTH} ahead on a background thread. Only the references travel: nothing is
     * shuffled, and nothing is cached unless the caller persists the RDD.
     *
     * @param augmentation  null for none
     * @param dataWaitNanos null, or an accumulator that adds the nanoseconds the consumer waited for minibatches
     */
    public JavaRDD<DataSet> minibatches(EpochPlan plan, int partitions, Augmentation augmentation, LongAccumulator dataWaitNanos) {
        // locals, so the task closure carries these and not this (the SparkContext)
        List<String> files = plan.shardFiles();
        SerializableConfiguration taskConf = conf;
        Normalization taskNormalization = normalization;
        String taskVersion = version;
        return sc.parallelize(plan.minibatches(), Math.max(1, partitions)).mapPartitions(refs -> {
            MinibatchReader reader = new MinibatchReader(files, taskConf.get(), taskNormalization, augmentation, taskVersion);
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
}
