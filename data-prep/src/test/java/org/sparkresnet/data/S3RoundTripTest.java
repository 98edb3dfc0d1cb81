package org.sparkresnet.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkresnet.data.image.TestImageTrees;
import org.sparkresnet.data.shard.Augmentation;
import org.sparkresnet.data.spark.SparkContexts;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image prepare job against a real S3 API (s3proxy, see {@link S3ProxyServer}) through the S3A connector: the input
 * tree is listed and read from s3a://, the shards and manifest written to s3a://, and minibatches read back from there.
 * The keys reach S3A only through the job's Hadoop configuration.
 */
class S3RoundTripTest {
    @TempDir
    static java.nio.file.Path dir;

    private static S3ProxyServer s3;
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3ProxyServer.start(dir.resolve("s3"), List.of("datasets"));
        sc = SparkContexts.create("S3RoundTripTest", "local[2]");
        s3.configure(sc.hadoopConfiguration());
    }

    @AfterAll
    static void stop() throws Exception {
        if (sc != null) {
            sc.stop();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void preparesFromAndToS3AndReadsMinibatchesBack() throws Exception {
        Configuration conf = sc.hadoopConfiguration();
        java.nio.file.Path local = TestImageTrees.mixedClassFolders(dir.resolve("images"));
        Path input = new Path("s3a://datasets/raw/images");
        FileSystem s3fs = input.getFileSystem(conf);
        assertTrue(FileUtil.copy(FileSystem.getLocal(conf), new Path(local.toUri()), s3fs, input, false, conf));

        String output = "s3a://datasets/prepared/pets";
        List<String> progress = new ArrayList<>();
        PrepareResult result = PrepareJob.run(sc, new PrepareRequest("folder", input.toString(), output, 4, false, 0, 16, 18, false), progress::add);
        assertEquals(10, result.split("train").numExamples());
        assertEquals(6, result.split("test").numExamples());
        assertTrue(progress.stream().anyMatch(l -> l.startsWith("train: 10 / 10 files (100.0%)")), progress.toString());
        assertFalse(String.join("\n", progress).contains(s3.secretKey()), "no credentials in progress output");

        String trainDir = output + "/train";
        SplitManifest train = SplitManifest.read(trainDir, conf);
        assertArrayEquals(new long[] {4, 3, 3}, train.countsPerClass());
        assertEquals("s3a://datasets/raw/images/train", train.source());
        assertFalse(train.toJson().contains(s3.secretKey()), "no credentials in the manifest");
        long stored = 0;
        for (String shard : train.shards()) {
            stored += s3fs.getFileStatus(new Path(trainDir, shard)).getLen();
        }
        assertEquals(train.totalBytes(), stored);

        List<DataSet> batches = ShardedDataset.minibatches(sc, trainDir, 4, 3, Augmentation.RANDOM_RESIZED_CROP_AND_FLIP).collect();
        assertEquals(10, batches.stream().mapToInt(DataSet::numExamples).sum());
        for (DataSet batch : batches) {
            assertArrayEquals(new long[] {batch.numExamples(), 3, 16, 16}, batch.getFeatures().shape());
        }
        assertEquals(6, ShardedDataset.minibatches(sc, output + "/test", 4, -1).map(DataSet::numExamples).reduce(Integer::sum));

        // a second run into the same S3 output is refused; with overwrite it replaces the split whole
        assertThrows(DataPrepException.class,
                () -> PrepareJob.run(sc, new PrepareRequest("folder", input.toString(), output, 4, false, 0, 16, 18, false)));
        PrepareJob.run(sc, new PrepareRequest("folder", input.toString(), output, 8, true, 0, 16, 18, false));
        assertEquals(List.of("shard-00000.bin", "shard-00001.bin"), SplitManifest.read(trainDir, conf).shards());
        assertFalse(s3fs.exists(new Path(trainDir, "shard-00002.bin")), "no shard of the first run is left");
        assertTrue(Files.isDirectory(dir.resolve("s3/blobs/datasets")), "the objects live in s3proxy's store");
    }
}
