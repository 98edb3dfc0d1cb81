package org.sparkresnet.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.sparkresnet.data.spark.SparkContexts;

import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Prepare and read back on a real (in-process) HDFS: every path an hdfs:// URI. */
class HdfsRoundTripTest {
    private static java.nio.file.Path baseDir;
    private static MiniDFSCluster hdfs;
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() throws Exception {
        baseDir = Files.createTempDirectory("minidfs");
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, baseDir.toString());
        hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        hdfs.waitActive();
        sc = SparkContexts.create("HdfsRoundTripTest", "local[2]");
    }

    @AfterAll
    static void stop() throws Exception {
        if (sc != null) {
            sc.stop();
        }
        if (hdfs != null) {
            hdfs.shutdown(true);
        }
        if (baseDir != null && Files.exists(baseDir)) { // shutdown(true) normally deletes it
            try (var files = Files.walk(baseDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    void preparesFromAndToHdfsAndReadsBack() throws Exception {
        java.nio.file.Path local = TestIdxFiles.writeDataset(baseDir.resolve("local-input"), 300, 70, false);
        FileSystem fs = hdfs.getFileSystem();
        Path root = new Path(fs.getUri().toString(), "/datasets");
        Path input = new Path(root, "fashion-idx");
        fs.mkdirs(input);
        try (var files = Files.list(local)) {
            for (java.nio.file.Path file : files.toList()) {
                fs.copyFromLocalFile(new Path(file.toUri()), new Path(input, file.getFileName().toString()));
            }
        }
        Path output = new Path(root, "prepared");
        assertTrue(output.toString().startsWith("hdfs://"), output.toString());

        PrepareResult result = PrepareJob.run(sc, new PrepareRequest("fashion-mnist", input.toString(), output.toString(), 128, false, 0));
        assertEquals(300, result.split("train").numExamples());
        assertEquals(3, result.split("train").shards());

        Path trainDir = new Path(output, "train");
        FileStatus[] files = fs.listStatus(trainDir);
        assertEquals(List.of("manifest.json", "shard-00000.bin", "shard-00001.bin", "shard-00002.bin"),
                Arrays.stream(files).map(f -> f.getPath().getName()).sorted().toList(), "no temporary files left on HDFS");
        long shardBytes = Arrays.stream(files).filter(f -> f.getPath().getName().startsWith("shard-")).mapToLong(FileStatus::getLen).sum();
        assertEquals(result.split("train").bytes(), shardBytes);

        SplitManifest manifest = SplitManifest.read(trainDir.toString(), sc.hadoopConfiguration());
        assertEquals(300, manifest.numExamples());
        assertArrayEquals(new long[] {30, 30, 30, 30, 30, 30, 30, 30, 30, 30}, manifest.countsPerClass());

        assertEquals(300, ShardedDataset.minibatches(sc, trainDir.toString(), 50, 3).map(DataSet::numExamples).reduce(Integer::sum));
        DataSetIterator test = ShardedDataset.localIterator(new Path(output, "test").toString(), sc.hadoopConfiguration(), 32);
        int examples = 0;
        while (test.hasNext()) {
            DataSet batch = test.next();
            // generated labels cycle through 0..9
            for (int i = 0; i < batch.numExamples(); i++) {
                assertEquals((examples + i) % 10, batch.getLabels().getRow(i).argMax().getInt(0));
            }
            examples += batch.numExamples();
        }
        assertEquals(70, examples);
    }
}
