package org.sparkresnet.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.sparkresnet.data.idx.IdxImagesFile;
import org.sparkresnet.data.idx.IdxReader;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.model.InputShape;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The prepare job and the sharded reader on real Spark (local[2]). */
class PrepareJobTest {
    private static JavaSparkContext sc;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpark() {
        sc = SparkContexts.create("PrepareJobTest", "local[2]");
    }

    @AfterAll
    static void stopSpark() {
        if (sc != null) {
            sc.stop();
        }
    }

    @Test
    void preparesRealFashionMnistAndReadsItBack() throws Exception {
        assumeTrue(TestIdxFiles.fashionMnistInstalled(), "Fashion-MNIST is not installed (apt package dataset-fashion-mnist)");
        String output = dir.resolve("prepared").toUri().toString();
        PrepareResult result = PrepareJob.run(sc, new PrepareRequest("fashion-mnist",
                TestIdxFiles.FASHION_MNIST_DIR.toUri().toString(), output, 128, false, 500));

        assertEquals(500, result.split("train").numExamples());
        assertEquals(4, result.split("train").shards()); // 128 + 128 + 128 + 116
        assertEquals(500, result.split("test").numExamples()); // the limit applies to each split
        assertEquals(4, result.split("test").shards());
        // about one byte per pixel: 784 pixels + a 4-byte label per example, plus a small header per shard
        double bytesPerExample = result.split("train").bytesPerExample();
        assertTrue(bytesPerExample >= 788 && bytesPerExample < 800, "bytes per example: " + bytesPerExample);

        Configuration conf = sc.hadoopConfiguration();
        String trainDir = new org.apache.hadoop.fs.Path(output, "train").toString();
        String testDir = new org.apache.hadoop.fs.Path(output, "test").toString();
        SplitManifest train = SplitManifest.read(trainDir, conf);
        SplitManifest test = SplitManifest.read(testDir, conf);
        assertEquals("fashion-mnist", train.dataset());
        assertEquals("test", test.split());
        assertEquals(500, train.numExamples());
        assertEquals(500, test.numExamples());
        assertEquals(new InputShape(1, 28, 28), train.shape());
        assertEquals(DatasetSpec.FASHION_MNIST.labelNames(), train.labelNames());
        assertEquals("uint8", train.storage());
        assertEquals(128, train.shardSize());
        assertEquals(List.of("shard-00000.bin", "shard-00001.bin", "shard-00002.bin", "shard-00003.bin"), train.shards());
        for (String shard : train.shards()) {
            assertTrue(Files.isRegularFile(dir.resolve("prepared/train").resolve(shard)), shard);
        }
        for (String shard : test.shards()) {
            assertTrue(Files.isRegularFile(dir.resolve("prepared/test").resolve(shard)), shard);
        }

        // the manifest's class counts and the shards' content are those of the first 500 IDX examples
        org.apache.hadoop.fs.Path idx = new org.apache.hadoop.fs.Path(TestIdxFiles.FASHION_MNIST_DIR.toUri());
        byte[] labels = Arrays.copyOf(IdxReader.readLabels(new org.apache.hadoop.fs.Path(idx, "train-labels-idx1-ubyte.gz"), conf, 10), 500);
        IdxImagesFile images = IdxReader.checkImages(new org.apache.hadoop.fs.Path(idx, "train-images-idx3-ubyte.gz"), conf);
        byte[] pixels = IdxReader.readImages(images, conf, 0, 500);
        long[] counts = new long[10];
        for (byte label : labels) {
            counts[label]++;
        }
        assertArrayEquals(counts, train.countsPerClass());
        assertArrayEquals(counts, result.split("train").countsPerClass());

        // driver-side iterator: batches of exactly 50 spanning shard boundaries, in file order, normalised
        DataSetIterator iterator = ShardedDataset.localIterator(trainDir, conf, 50);
        int seen = 0;
        float mean = DatasetSpec.FASHION_MNIST.mean()[0];
        float std = DatasetSpec.FASHION_MNIST.std()[0];
        while (iterator.hasNext()) {
            DataSet batch = iterator.next();
            assertEquals(50, batch.numExamples());
            float[] expected = new float[50 * 784];
            for (int j = 0; j < expected.length; j++) {
                expected[j] = (Byte.toUnsignedInt(pixels[seen * 784 + j]) / 255f - mean) / std;
            }
            assertArrayEquals(expected, batch.getFeatures().dup().data().asFloat(), 1e-5f, "pixels of examples " + seen + "..");
            for (int i = 0; i < 50; i++) {
                assertEquals(labels[seen + i], batch.getLabels().getRow(i).argMax().getInt(0), "label of example " + (seen + i));
                assertEquals(1f, batch.getLabels().getRow(i).sumNumber().floatValue(), "one-hot row " + (seen + i));
            }
            seen += 50;
        }
        assertEquals(500, seen);
        assertEquals(DatasetSpec.FASHION_MNIST.labelNames(), iterator.getLabels());
        iterator.reset();
        assertTrue(iterator.hasNext());

        // Spark minibatches: all examples, right shapes, one-hot labels
        List<DataSet> batches = ShardedDataset.minibatches(sc, trainDir, 64, -1).collect();
        assertEquals(500, batches.stream().mapToInt(DataSet::numExamples).sum());
        assertEquals(8, batches.size()); // per shard: 64 + 64, 64 + 64, 64 + 64, 64 + 52
        for (DataSet batch : batches) {
            long n = batch.numExamples();
            assertArrayEquals(new long[] {n, 1, 28, 28}, batch.getFeatures().shape());
            assertArrayEquals(new long[] {n, 10}, batch.getLabels().shape());
            assertEquals((double) n, batch.getLabels().sumNumber().doubleValue(), 0.0);
            assertEquals((double) n, batch.getLabels().max(1).sumNumber().doubleValue(), 0.0);
        }
        assertArrayEquals(toLongs(labels), labelsOf(batches), "without shuffling, minibatches keep file order");
        assertEquals(500, ShardedDataset.minibatches(sc, testDir, 64, -1).map(DataSet::numExamples).reduce(Integer::sum));
    }

    @Test
    void shufflingIsDeterministicPerSeedAndKeepsEveryExample() throws Exception {
        String output = prepareGenerated(600, 100, 100, false, 0);
        String trainDir = new org.apache.hadoop.fs.Path(output, "train").toString();
        long[] inOrder = labelsOf(ShardedDataset.minibatches(sc, trainDir, 32, -1).collect());
        long[] seven = labelsOf(ShardedDataset.minibatches(sc, trainDir, 32, 7).collect());
        long[] sevenAgain = labelsOf(ShardedDataset.minibatches(sc, trainDir, 32, 7).collect());
        long[] eight = labelsOf(ShardedDataset.minibatches(sc, trainDir, 32, 8).collect());
        assertArrayEquals(seven, sevenAgain);
        assertFalse(Arrays.equals(inOrder, seven));
        assertFalse(Arrays.equals(seven, eight));
        assertArrayEquals(sorted(inOrder), sorted(seven), "a shuffle keeps every example");
        // the first batch is shuffled inside its shard, not just a shard moved to the front
        long[] firstBatch = Arrays.copyOf(seven, 32);
        assertNotEquals(Arrays.toString(firstBatch), Arrays.toString(Arrays.copyOf(inOrder, 32)));
    }

    /** Two jobs on one output: the second is refused naming the first's host, pid and start; a dead holder's lock is taken over. */
    @Test
    void aSecondRunIntoALockedOutputIsRefusedNamingTheHolderAndADeadHoldersLockIsTakenOver() throws Exception {
        Path input = TestIdxFiles.writeDataset(dir.resolve("input"), 200, 100, false);
        String output = dir.resolve("locked").toUri().toString();
        PrepareRequest request = new PrepareRequest("fashion-mnist", input.toUri().toString(), output, 100, false, 0);
        try (org.sparkresnet.data.fs.OutputLock.Held first = org.sparkresnet.data.fs.OutputLock.acquire(
                new org.apache.hadoop.fs.Path(output), sc.hadoopConfiguration(), line -> { })) {
            org.sparkresnet.data.fs.LockHeldException refused = assertThrows(org.sparkresnet.data.fs.LockHeldException.class,
                    () -> PrepareJob.run(sc, request));
            assertTrue(refused.getMessage().startsWith("output file:" + dir.resolve("locked") + " is locked by host "
                    + org.sparkresnet.data.fs.RunLock.thisHost() + ", pid " + ProcessHandle.current().pid() + ", started "
                    + first.lock().holder().started()), refused.getMessage());
            assertFalse(Files.exists(dir.resolve("locked/train")), "the refused run wrote nothing");
        }
        assertFalse(Files.exists(dir.resolve("locked")), "the lock's release removes the output folder it created, left empty");
        // a lock left by a process that is gone (kill -9): taken over, with a line saying so
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.createDirectories(dir.resolve("locked"));
        Files.writeString(dir.resolve("locked/_lock"), "{\"host\":\"" + org.sparkresnet.data.fs.RunLock.thisHost() + "\",\"pid\":"
                + gone.pid() + ",\"started\":\"2026-01-01T00:00:00Z\",\"token\":\"t\"}");
        List<String> lines = new ArrayList<>();
        PrepareJob.run(sc, request, lines::add);
        assertTrue(lines.stream().anyMatch(l -> l.contains("taking over the stale lock") && l.contains("process " + gone.pid() + " is not running")),
                lines.toString());
        assertEquals(200, SplitManifest.read(dir.resolve("locked/train").toUri().toString(), sc.hadoopConfiguration()).numExamples());
        assertFalse(Files.exists(dir.resolve("locked/_lock")), "released at the end");
    }

    @Test
    void refusesToOverwriteWithoutTheFlagAndReplacesWholeWithIt() throws Exception {
        Path input = TestIdxFiles.writeDataset(dir.resolve("input"), 300, 120, false);
        String output = dir.resolve("out").toUri().toString();
        PrepareJob.run(sc, new PrepareRequest("fashion-mnist", input.toUri().toString(), output, 100, false, 0));
        assertTrue(Files.exists(dir.resolve("out/train/shard-00002.bin")));

        DataPrepException refused = assertThrows(DataPrepException.class,
                () -> PrepareJob.run(sc, new PrepareRequest("fashion-mnist", input.toUri().toString(), output, 100, false, 150)));
        assertTrue(refused.getMessage().contains("out/train already exists"), refused.getMessage());
        assertTrue(refused.getMessage().contains("--overwrite"), refused.getMessage());
        assertEquals(300, SplitManifest.read(dir.resolve("out/train").toUri().toString(), sc.hadoopConfiguration()).numExamples(),
                "a refused run leaves the old output alone");

        PrepareJob.run(sc, new PrepareRequest("fashion-mnist", input.toUri().toString(), output, 100, true, 150));
        SplitManifest train = SplitManifest.read(dir.resolve("out/train").toUri().toString(), sc.hadoopConfiguration());
        assertEquals(150, train.numExamples());
        assertEquals(List.of("shard-00000.bin", "shard-00001.bin"), train.shards());
        assertFalse(Files.exists(dir.resolve("out/train/shard-00002.bin")), "no shard of the old run is left");
        assertEquals(List.of("manifest.json", "shard-00000.bin", "shard-00001.bin"), visibleFiles(dir.resolve("out/train")));
        assertEquals(List.of("manifest.json", "shard-00000.bin", "shard-00001.bin"), visibleFiles(dir.resolve("out/test")));
    }

    @Test
    void aFailingRunLeavesNoManifest() throws Exception {
        Path input = TestIdxFiles.writeDataset(dir.resolve("input"), 200, 50, true);
        byte[] badLabels = TestIdxFiles.labels(50, 10);
        badLabels[49] = 12;
        TestIdxFiles.write(input.resolve("t10k-labels-idx1-ubyte.gz"), TestIdxFiles.gzip(TestIdxFiles.labelsIdx(IdxReader.LABELS_MAGIC, 50, badLabels)));
        String output = dir.resolve("out").toUri().toString();

        DataPrepException error = assertThrows(DataPrepException.class,
                () -> PrepareJob.run(sc, new PrepareRequest("fashion-mnist", input.toUri().toString(), output, 64, false, 0)));
        assertTrue(error.getMessage().contains("t10k-labels-idx1-ubyte.gz: label 12 of example 49"), error.getMessage());
        assertFalse(Files.exists(dir.resolve("out/train/manifest.json")));
        assertFalse(Files.exists(dir.resolve("out/test/manifest.json")));
        DataPrepException notPrepared = assertThrows(DataPrepException.class,
                () -> ShardedDataset.minibatches(sc, dir.resolve("out/train").toUri().toString(), 32, -1));
        assertTrue(notPrepared.getMessage().contains("no manifest.json in"), notPrepared.getMessage());
    }

    private String prepareGenerated(int train, int test, int shardSize, boolean gzip, long limit) throws Exception {
        Path input = TestIdxFiles.writeDataset(dir.resolve("generated"), train, test, gzip);
        String output = dir.resolve("generated-out").toUri().toString();
        PrepareJob.run(sc, new PrepareRequest("mnist", input.toUri().toString(), output, shardSize, false, limit));
        return output;
    }

    private static long[] labelsOf(List<DataSet> batches) {
        List<Long> labels = new ArrayList<>();
        for (DataSet batch : batches) {
            for (int i = 0; i < batch.numExamples(); i++) {
                labels.add(batch.getLabels().getRow(i).argMax().getLong(0));
            }
        }
        return labels.stream().mapToLong(Long::longValue).toArray();
    }

    private static long[] toLongs(byte[] bytes) {
        long[] values = new long[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            values[i] = Byte.toUnsignedInt(bytes[i]);
        }
        return values;
    }

    private static long[] sorted(long[] values) {
        long[] copy = values.clone();
        Arrays.sort(copy);
        return copy;
    }

    /** Files a reader would see: no Hadoop .crc checksums, no hidden temporary files. */
    private static List<String> visibleFiles(Path directory) throws Exception {
        try (var files = Files.list(directory)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }
}
