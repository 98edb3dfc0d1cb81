package org.sparkresnet.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkresnet.data.image.BadImageException;
import org.sparkresnet.data.image.ImageDecoder;
import org.sparkresnet.data.image.ImagePreprocessing;
import org.sparkresnet.data.image.TestImageTrees;
import org.sparkresnet.data.image.TestImages;
import org.sparkresnet.data.shard.Augmentation;
import org.sparkresnet.data.shard.Minibatches;
import org.sparkresnet.data.shard.ShardFormat;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.model.InputShape;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The image prepare job on real Spark (local[2]) with JPEG/PNG trees made here. */
class ImagePrepareJobTest {
    private static final ImagePreprocessing SIZE = new ImagePreprocessing(16, 18);
    private static JavaSparkContext sc;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpark() {
        sc = SparkContexts.create("ImagePrepareJobTest", "local[2]");
    }

    @AfterAll
    static void stopSpark() {
        if (sc != null) {
            sc.stop();
        }
    }

    private PrepareRequest request(String dataset, Path input, String output, int shardSize, boolean overwrite, long limit, boolean skipBad) {
        return new PrepareRequest(dataset, input.toUri().toString(), output, shardSize, overwrite, limit, SIZE.imageSize(), SIZE.resize(), skipBad);
    }

    @Test
    void preparesAMixedClassFolderTreeAndReadsItBack() throws Exception {
        Path input = TestImageTrees.mixedClassFolders(dir.resolve("in"));
        String output = dir.resolve("out").toUri().toString();
        List<String> progress = new ArrayList<>();
        PrepareResult result = PrepareJob.run(sc, request("folder", input, output, 4, false, 0, false), progress::add);

        assertEquals(10, result.split("train").numExamples());
        assertEquals(6, result.split("test").numExamples());
        assertTrue(progress.contains("train: 10 image files in 3 classes from " + hadoopUri(input.resolve("train"))
                + ", ignoring 1 without an image extension"), progress.toString());
        assertTrue(progress.stream().anyMatch(l -> l.startsWith("train: 10 / 10 files (100.0%), ") && l.contains(" images/s, ETA 0:00:00")), progress.toString());

        Configuration conf = sc.hadoopConfiguration();
        String trainDir = new org.apache.hadoop.fs.Path(output, "train").toString();
        SplitManifest train = SplitManifest.read(trainDir, conf);
        assertEquals(2, train.formatVersion());
        assertEquals("folder", train.dataset());
        assertEquals(List.of("cat", "dog", "fox"), train.labelNames());
        assertEquals(List.of("cat", "dog", "fox"), train.classIds());
        assertArrayEquals(new long[] {4, 3, 3}, train.countsPerClass());
        assertEquals(new InputShape(3, 16, 16), train.shape());
        assertEquals("uint8", train.storage());
        assertEquals(List.of("shard-00000.bin", "shard-00001.bin", "shard-00002.bin"), train.shards());
        assertEquals(List.of(4, 4, 2), train.shardCounts());
        long onDisk = 0;
        for (String shard : train.shards()) {
            onDisk += Files.size(dir.resolve("out/train").resolve(shard));
        }
        assertEquals(onDisk, train.totalBytes());
        assertEquals((onDisk + 9) / 10, train.bytesPerExample());
        // 768 pixel bytes and a 4-byte label per example, plus each shard's share of two array headers
        assertTrue(train.bytesPerExample() > 3 * 16 * 16 + 4 && train.bytesPerExample() < 3 * 16 * 16 + 4 + 200, "" + train.bytesPerExample());
        assertEquals(18, train.preprocessing().resize());
        assertEquals(16, train.preprocessing().imageSize());
        assertArrayEquals(new float[] {0.485f, 0.456f, 0.406f}, train.mean());
        assertTrue(train.versions().keySet().containsAll(List.of("data-prep", "spark", "opencv", "javacpp", "java")), train.versions().toString());
        assertTrue(train.skipped().isEmpty());
        assertTrue(train.source().endsWith("/in/train"), train.source());
        assertEquals(SplitManifest.FILE_NAME, newestFile(dir.resolve("out/train")), "the manifest is written last");

        // every stored example is its file decoded, with its label; shards mix classes (the file order is shuffled)
        Map<String, Integer> expected = expectedExamples(input.resolve("train"), List.of("cat", "dog", "fox"));
        Map<String, Integer> stored = new HashMap<>();
        List<Integer> firstShardLabels = new ArrayList<>();
        for (String shard : train.shards()) {
            DataSet raw = ShardFormat.read(new org.apache.hadoop.fs.Path(trainDir, shard), conf);
            byte[] pixels = Minibatches.pixelBytes(raw);
            for (int i = 0; i < raw.numExamples(); i++) {
                String key = Arrays.toString(Arrays.copyOfRange(pixels, i * SIZE.bytesPerImage(), (i + 1) * SIZE.bytesPerImage()));
                stored.merge(key + "#" + raw.getLabels().getInt(i), 1, Integer::sum);
                if (shard.equals(train.shards().get(0))) {
                    firstShardLabels.add(raw.getLabels().getInt(i));
                }
            }
        }
        assertEquals(expected, stored);
        assertTrue(firstShardLabels.stream().distinct().count() > 1, "first shard holds one class only: " + firstShardLabels);

        // minibatches, plain and augmented
        List<DataSet> plain = ShardedDataset.minibatches(sc, trainDir, 3, 5).collect();
        List<DataSet> augmented = ShardedDataset.minibatches(sc, trainDir, 3, 5, Augmentation.RANDOM_RESIZED_CROP_AND_FLIP).collect();
        List<DataSet> augmentedAgain = ShardedDataset.minibatches(sc, trainDir, 3, 5, Augmentation.RANDOM_RESIZED_CROP_AND_FLIP).collect();
        List<DataSet> otherSeed = ShardedDataset.minibatches(sc, trainDir, 3, 6, Augmentation.RANDOM_RESIZED_CROP_AND_FLIP).collect();
        assertEquals(10, augmented.stream().mapToInt(DataSet::numExamples).sum());
        for (int b = 0; b < plain.size(); b++) {
            assertArrayEquals(plain.get(b).getFeatures().shape(), augmented.get(b).getFeatures().shape());
            assertEquals(plain.get(b).getLabels(), augmented.get(b).getLabels(), "augmentation keeps labels and order");
            assertEquals(augmented.get(b).getFeatures(), augmentedAgain.get(b).getFeatures(), "same seed, same augmentation");
        }
        assertNotEquals(plain.get(0).getFeatures(), augmented.get(0).getFeatures());
        assertNotEquals(augmented.get(0).getFeatures(), otherSeed.get(0).getFeatures());
        assertEquals(6, ShardedDataset.localIterator(new org.apache.hadoop.fs.Path(output, "test").toString(), conf, 4).next(6).numExamples());
    }

    @Test
    void preparesTheIlsvrcArchiveLayoutWithALimitThatKeepsEveryClass() throws Exception {
        Path input = TestImageTrees.ilsvrc(dir.resolve("ilsvrc"), 4, 2);
        String output = dir.resolve("out").toUri().toString();
        PrepareResult result = PrepareJob.run(sc, request("imagenet", input, output, 2, false, 5, false));
        SplitManifest train = SplitManifest.read(result.split("train").splitDirUri(), sc.hadoopConfiguration());
        SplitManifest test = SplitManifest.read(result.split("test").splitDirUri(), sc.hadoopConfiguration());
        assertArrayEquals(new long[] {2, 2, 1}, train.countsPerClass(), "5 of 12, classes in turn");
        assertArrayEquals(new long[] {2, 2, 1}, test.countsPerClass(), "val labels from LOC_val_solution.csv");
        assertEquals(TestImageTrees.WNIDS, test.classIds());
        assertEquals(TestImageTrees.WNID_NAMES, test.labelNames());
        assertTrue(test.source().endsWith("ILSVRC/Data/CLS-LOC/val"), test.source());
        assertEquals(List.of("shard-00000.bin", "shard-00001.bin", "shard-00002.bin"), test.shards());
        assertEquals("imagenet", train.spec().name());
        assertEquals(3, train.spec().numClasses());
    }

    @Test
    void preparesOnlyTheFilesOfAListedSubsetWithTheWholeTreesClasses() throws Exception {
        Path input = TestImageTrees.mixedClassFolders(dir.resolve("in"));
        String output = dir.resolve("out").toUri().toString();
        org.sparkresnet.data.image.ImageTree tree = org.sparkresnet.data.image.ImageTreeLister.list(input.toUri().toString(),
                org.sparkresnet.data.image.ImageDatasetSpec.byName("folder"), sc.hadoopConfiguration());
        // only the fox images of train and the dog images of val, as if the rest had been prepared before
        List<org.sparkresnet.data.image.ImageSplitListing> subset = new ArrayList<>();
        for (org.sparkresnet.data.image.ImageSplitListing listing : tree.splits()) {
            int keep = listing.split().equals("train") ? 2 : 1;
            subset.add(new org.sparkresnet.data.image.ImageSplitListing(listing.split(), listing.sourceUri(),
                    listing.files().stream().filter(f -> f.label() == keep).toList(), listing.problems(), listing.ignoredFiles()));
        }
        PrepareResult result = PrepareJob.runImages(sc, request("folder", input, output, 2, false, 0, false),
                new org.sparkresnet.data.image.ImageTree(tree.classIds(), tree.labelNames(), subset), line -> { });

        SplitManifest train = SplitManifest.read(result.split("train").splitDirUri(), sc.hadoopConfiguration());
        SplitManifest test = SplitManifest.read(result.split("test").splitDirUri(), sc.hadoopConfiguration());
        assertArrayEquals(new long[] {0, 0, 3}, train.countsPerClass());
        assertArrayEquals(new long[] {0, 2, 0}, test.countsPerClass());
        assertEquals(List.of("cat", "dog", "fox"), train.classIds());
        assertEquals(2, train.shards().size());
        DataSet read = ShardedDataset.localIterator(result.split("train").splitDirUri(), sc.hadoopConfiguration(), 8).next();
        assertEquals(3, read.numExamples());
        for (int i = 0; i < 3; i++) {
            assertEquals(2, read.getLabels().getRow(i).argMax().getInt(0), "every example labelled fox");
        }
        assertThrows(IllegalArgumentException.class, () -> PrepareJob.runImages(sc,
                new PrepareRequest("mnist", input.toUri().toString(), output, 2, false, 0), tree, line -> { }));
    }

    @Test
    void truncatedJpegFailsTheRunNamingTheFileAndCommitsNothing() throws Exception {
        Path input = TestImageTrees.mixedClassFolders(dir.resolve("in"));
        byte[] jpeg = Files.readAllBytes(input.resolve("train/cat/c1.jpg"));
        Files.write(input.resolve("train/cat/c1.jpg"), Arrays.copyOf(jpeg, jpeg.length - 300));
        assertFailsAndSkips(input, "train/cat/c1.jpg", "truncated JPEG: no end-of-image marker after " + (jpeg.length - 300) + " bytes");
    }

    @Test
    void zeroByteFileFailsTheRunNamingTheFileAndCommitsNothing() throws Exception {
        Path input = TestImageTrees.mixedClassFolders(dir.resolve("in"));
        Files.write(input.resolve("val/dog/v0.jpg"), new byte[0]);
        assertFailsAndSkips(input, "val/dog/v0.jpg", "empty file (0 bytes)");
    }

    @Test
    void nonImageFileFailsTheRunNamingTheFileAndCommitsNothing() throws Exception {
        Path input = TestImageTrees.mixedClassFolders(dir.resolve("in"));
        Files.writeString(input.resolve("train/fox/notes.jpg"), "<html>a saved web page</html>");
        assertFailsAndSkips(input, "train/fox/notes.jpg", "not a decodable image (29 bytes, starting 3c68746d)");
    }

    @Test
    void emptyClassFolderFailsTheRunAndCommitsNothing() throws Exception {
        Path input = TestImageTrees.mixedClassFolders(dir.resolve("in"));
        Files.createDirectories(input.resolve("train/gnu"));
        Files.writeString(input.resolve("train/gnu/.DS_Store"), "hidden");
        assertFailsAndSkips(input, "train/gnu", "empty class folder: no image files (.bmp, .jpeg, .jpg, .png, .tif, .tiff, .webp)");
    }

    /** --overwrite builds the new dataset beside the old: a rerun that fails leaves every old file exactly as it was. */
    @Test
    void aFailedOverwriteLeavesThePreviousDatasetUntouched() throws Exception {
        Path input = TestImageTrees.mixedClassFolders(dir.resolve("in"));
        String output = dir.resolve("out").toUri().toString();
        PrepareJob.run(sc, request("folder", input, output, 2, false, 0, false));
        Map<String, String> before = checksums(dir.resolve("out"));
        assertTrue(before.containsKey("train/manifest.json") && before.containsKey("test/manifest.json"), before.keySet().toString());

        byte[] whole = TestImages.jpeg(TestImages.photoLike(40, 30, 7));
        TestImages.write(input.resolve("val/dog/truncated.jpg"), Arrays.copyOf(whole, whole.length / 2));
        DataPrepException failed = assertThrows(DataPrepException.class,
                () -> PrepareJob.run(sc, request("folder", input, output, 4, true, 0, false)));
        assertTrue(failed.getMessage().contains("truncated.jpg: truncated JPEG"), failed.getMessage());
        assertEquals(before, checksums(dir.resolve("out")), "the previous dataset, byte for byte, and nothing else");

        Files.delete(input.resolve("val/dog/truncated.jpg"));
        PrepareJob.run(sc, request("folder", input, output, 4, true, 0, false));
        Map<String, String> after = checksums(dir.resolve("out"));
        assertNotEquals(before, after);
        assertTrue(after.keySet().stream().noneMatch(f -> f.startsWith("_")), "no staging or replaced folder left: " + after.keySet());
    }

    /** Every file under {@code root} (relative path) with its SHA-256. */
    private static Map<String, String> checksums(Path root) throws Exception {
        Map<String, String> sums = new java.util.TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f));
                sums.put(root.relativize(f).toString(), java.util.HexFormat.of().formatHex(digest));
            }
        }
        return sums;
    }

    @Test
    void refusesAnExistingOutputAndOverwritesItWhole() throws Exception {
        Path input = TestImageTrees.mixedClassFolders(dir.resolve("in"));
        String output = dir.resolve("out").toUri().toString();
        PrepareJob.run(sc, request("folder", input, output, 2, false, 0, false));
        assertTrue(Files.exists(dir.resolve("out/train/shard-00004.bin")));
        DataPrepException refused = assertThrows(DataPrepException.class,
                () -> PrepareJob.run(sc, request("folder", input, output, 4, false, 0, false)));
        assertTrue(refused.getMessage().contains("out/train already exists") && refused.getMessage().contains("--overwrite"), refused.getMessage());
        PrepareJob.run(sc, request("folder", input, output, 4, true, 0, false));
        SplitManifest train = SplitManifest.read(dir.resolve("out/train").toUri().toString(), sc.hadoopConfiguration());
        assertEquals(List.of("shard-00000.bin", "shard-00001.bin", "shard-00002.bin"), train.shards());
        assertEquals(List.of("manifest.json", "shard-00000.bin", "shard-00001.bin", "shard-00002.bin"), visibleFiles(dir.resolve("out/train")));
    }

    /** Without --skip-bad: a DataPrepException naming file and reason, no manifest, no split folders. With it: listed in the manifest. */
    private void assertFailsAndSkips(Path input, String badFile, String reason) throws Exception {
        String output = dir.resolve("out").toUri().toString();
        DataPrepException error = assertThrows(DataPrepException.class, () -> PrepareJob.run(sc, request("folder", input, output, 4, false, 0, false)));
        String badUri = hadoopUri(input.resolve(badFile));
        assertTrue(error.getMessage().startsWith(badUri + ": " + reason), error.getMessage());
        assertTrue(error.getMessage().contains("--skip-bad"), error.getMessage());
        assertFalse(Files.exists(dir.resolve("out/train/manifest.json")));
        assertFalse(Files.exists(dir.resolve("out/test/manifest.json")));
        assertFalse(Files.exists(dir.resolve("out/train")) || Files.exists(dir.resolve("out/test")), "no half-written split is left");

        PrepareResult result = PrepareJob.run(sc, request("folder", input, output, 4, false, 0, true));
        String split = badFile.startsWith("train/") ? "train" : "test";
        SplitManifest manifest = SplitManifest.read(result.split(split).splitDirUri(), sc.hadoopConfiguration());
        assertEquals(List.of(new SkippedFile(badUri, reason)), manifest.skipped());
    }

    /** Each train file decoded here, keyed like the test reads shards: pixels#label, with multiplicity. */
    private static Map<String, Integer> expectedExamples(Path trainDir, List<String> classes) throws Exception {
        ImageDecoder decoder = new ImageDecoder(SIZE);
        Map<String, Integer> expected = new HashMap<>();
        for (int label = 0; label < classes.size(); label++) {
            try (Stream<Path> files = Files.list(trainDir.resolve(classes.get(label)))) {
                for (Path file : files.filter(f -> !f.toString().endsWith(".txt")).toList()) {
                    byte[] pixels = new byte[SIZE.bytesPerImage()];
                    try {
                        decoder.decodeInto(Files.readAllBytes(file), pixels, 0);
                    } catch (BadImageException e) {
                        throw new AssertionError(file + ": " + e.getMessage());
                    }
                    expected.merge(Arrays.toString(pixels) + "#" + label, 1, Integer::sum);
                }
            }
        }
        return expected;
    }

    /** A local path as the Hadoop FS writes it in messages: file:/tmp/... */
    private static String hadoopUri(Path path) {
        return new org.apache.hadoop.fs.Path(path.toUri()).toString().replaceAll("/$", "");
    }

    private static String newestFile(Path directory) throws Exception {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> !f.getFileName().toString().startsWith("."))
                    .max((a, b) -> {
                        try {
                            return Files.getLastModifiedTime(a).compareTo(Files.getLastModifiedTime(b));
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }).orElseThrow().getFileName().toString();
        }
    }

    private static List<String> visibleFiles(Path directory) throws Exception {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }
}
