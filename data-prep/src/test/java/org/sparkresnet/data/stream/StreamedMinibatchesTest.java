package org.sparkresnet.data.stream;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkresnet.data.PrepareJob;
import org.sparkresnet.data.PrepareRequest;
import org.sparkresnet.data.ShardedDataset;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.data.TestIdxFiles;
import org.sparkresnet.data.shard.Augmentation;
import org.sparkresnet.data.shard.Minibatches;
import org.sparkresnet.data.shard.Normalization;
import org.sparkresnet.data.shard.ShardFormat;
import org.sparkresnet.data.spark.SparkContexts;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Minibatches read by reference on Spark executors against the same examples decoded from whole shards. */
class StreamedMinibatchesTest {
    @TempDir
    static java.nio.file.Path dir;
    static JavaSparkContext sc;
    static String trainUri;
    static SplitManifest manifest;

    @BeforeAll
    static void prepare() throws Exception {
        sc = SparkContexts.create("StreamedMinibatchesTest", "local[2]");
        TestIdxFiles.writeDataset(dir.resolve("idx"), 450, 20, false);
        String data = dir.resolve("prepared").toUri().toString();
        PrepareJob.run(sc, new PrepareRequest("fashion-mnist", dir.resolve("idx").toUri().toString(), data, 100, false, 0));
        trainUri = new Path(data, "train").toString();
        manifest = SplitManifest.read(trainUri, sc.hadoopConfiguration());
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    /** The plan's minibatch decoded from whole shards loaded with DataSet.load, as the reference. */
    static DataSet fromWholeShards(MinibatchRef ref, Augmentation augmentation) {
        List<DataSet> shards = new ArrayList<>();
        for (String file : ShardedDataset.epochPlan(sc, trainUri, 1, 0).shardFiles()) {
            shards.add(ShardFormat.read(new Path(file), sc.hadoopConfiguration()));
        }
        int n = ref.examples();
        int exampleBytes = 784;
        byte[] pixels = new byte[n * exampleBytes];
        int[] sources = new int[n];
        int[] classes = new int[n];
        int at = 0;
        for (ExampleRange r : ref.ranges()) {
            byte[] shardPixels = Minibatches.pixelBytes(shards.get(r.shard()));
            for (int e = r.from(); e < r.to(); e++, at++) {
                System.arraycopy(shardPixels, e * exampleBytes, pixels, at * exampleBytes, exampleBytes);
                sources[at] = at * exampleBytes;
                classes[at] = shards.get(r.shard()).getLabels().getInt(e);
            }
        }
        return Minibatches.decode(pixels, sources, classes, manifest.shape(), Normalization.of(manifest.spec()), augmentation,
                new java.util.Random(ref.augmentSeed()));
    }

    @Test
    void executorsDecodeExactlyThePlannedExamplesWithoutAShuffle() throws Exception {
        AtomicLong shuffleBytes = new AtomicLong();
        SparkListener listener = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (end.taskMetrics() != null) {
                    shuffleBytes.addAndGet(end.taskMetrics().shuffleWriteMetrics().bytesWritten());
                }
            }
        };
        sc.sc().addSparkListener(listener);
        try {
            for (Augmentation augmentation : new Augmentation[] {null, Augmentation.RANDOM_RESIZED_CROP_AND_FLIP}) {
                EpochPlan plan = ShardedDataset.epochPlan(sc, trainUri, 32, 5);
                assertEquals(15, plan.size(), "ceil(450 / 32)");
                List<DataSet> batches = ShardedDataset.streamed(sc, trainUri, plan, 3, augmentation).collect();
                assertEquals(plan.size(), batches.size());
                for (int i = 0; i < plan.size(); i++) {
                    DataSet expected = fromWholeShards(plan.minibatches().get(i), augmentation);
                    assertEquals(expected.getFeatures(), batches.get(i).getFeatures(), "features of minibatch " + i);
                    assertEquals(expected.getLabels(), batches.get(i).getLabels(), "labels of minibatch " + i);
                }
                assertEquals(14 * 32 + 2, batches.stream().mapToInt(DataSet::numExamples).sum());
            }
            sc.sc().listenerBus().waitUntilEmpty();
            assertEquals(0, shuffleBytes.get(), "only references travel: nothing is shuffled");
        } finally {
            sc.sc().removeSparkListener(listener);
        }
    }

    @Test
    void anotherEpochSeedGivesOtherMinibatches() {
        DataSet a = ShardedDataset.streamed(sc, trainUri, ShardedDataset.epochPlan(sc, trainUri, 32, 1), 2, null).first();
        DataSet b = ShardedDataset.streamed(sc, trainUri, ShardedDataset.epochPlan(sc, trainUri, 32, 2), 2, null).first();
        assertNotEquals(a.getFeatures(), b.getFeatures());
        DataSet again = ShardedDataset.streamed(sc, trainUri, ShardedDataset.epochPlan(sc, trainUri, 32, 1), 2, null).first();
        assertEquals(a.getFeatures(), again.getFeatures(), "same seed, same first minibatch");
        assertTrue(a.getLabels().sum(0).maxNumber().doubleValue() < 32, "one-hot labels of several classes");
    }
}
