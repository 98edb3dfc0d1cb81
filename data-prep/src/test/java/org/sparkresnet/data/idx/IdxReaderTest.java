package org.sparkresnet.data.idx;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.data.DataPrepException;
import org.sparkresnet.data.DatasetSpec;
import org.sparkresnet.data.TestIdxFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.sparkresnet.data.TestIdxFiles.cut;
import static org.sparkresnet.data.TestIdxFiles.gzip;
import static org.sparkresnet.data.TestIdxFiles.imagesIdx;
import static org.sparkresnet.data.TestIdxFiles.labels;
import static org.sparkresnet.data.TestIdxFiles.labelsIdx;
import static org.sparkresnet.data.TestIdxFiles.pixels;

class IdxReaderTest {
    private static final Configuration CONF = new Configuration();

    @TempDir
    Path dir;

    @Test
    void readsGeneratedPlainAndGzipFilesAlike() throws IOException {
        byte[] pixels = pixels(50, 28, 28);
        byte[] plain = imagesIdx(IdxReader.IMAGES_MAGIC, 50, 28, 28, pixels);
        // names do not say which is compressed: detection goes by the magic bytes
        for (Path file : new Path[] {TestIdxFiles.write(dir.resolve("a"), plain), TestIdxFiles.write(dir.resolve("b"), gzip(plain))}) {
            IdxImagesFile images = IdxReader.checkImages(hadoop(file), CONF);
            assertEquals(50, images.count());
            assertEquals(28, images.rows());
            assertEquals(28, images.cols());
            assertEquals(file.endsWith("b"), images.gzipped());
            byte[] range = IdxReader.readImages(images, CONF, 17, 5);
            assertArrayEquals(Arrays.copyOfRange(pixels, 17 * 784, 22 * 784), range);
            assertArrayEquals(pixels, IdxReader.readImages(images, CONF, 0, 50));
        }
        byte[] labels = labels(50, 10);
        Path labelsFile = TestIdxFiles.write(dir.resolve("labels.gz"), gzip(labelsIdx(IdxReader.LABELS_MAGIC, 50, labels)));
        assertArrayEquals(labels, IdxReader.readLabels(hadoop(labelsFile), CONF, 10));
    }

    @Test
    void readsRealFashionMnist() {
        assumeTrue(TestIdxFiles.fashionMnistInstalled(), "Fashion-MNIST is not installed (apt package dataset-fashion-mnist)");
        DatasetSpec spec = DatasetSpec.FASHION_MNIST;
        org.apache.hadoop.fs.Path input = hadoop(TestIdxFiles.FASHION_MNIST_DIR);
        IdxSplitSource train = IdxSplitSource.open(input, spec.idxSplits().get(0), spec, CONF);
        IdxSplitSource test = IdxSplitSource.open(input, spec.idxSplits().get(1), spec, CONF);
        assertEquals(60_000, train.numExamples());
        assertEquals(10_000, test.numExamples());
        assertTrue(train.images().gzipped());
        // Fashion-MNIST is balanced: 6,000 training and 1,000 test images per class
        long[] sixThousand = new long[10];
        Arrays.fill(sixThousand, 6000);
        assertArrayEquals(sixThousand, train.countsPerClass(60_000, 10));
        long[] oneThousand = new long[10];
        Arrays.fill(oneThousand, 1000);
        assertArrayEquals(oneThousand, test.countsPerClass(10_000, 10));
        // the last image of the test split reads back, and is not blank
        byte[] last = IdxReader.readImages(test.images(), CONF, 9_999, 1);
        assertEquals(784, last.length);
        assertTrue(countNonZero(last) > 50, "the last test image should have ink");
    }

    @Test
    void wrongMagicNamesFileExpectedAndFound() throws IOException {
        Path labelsAsImages = TestIdxFiles.write(dir.resolve("train-images-idx3-ubyte"), labelsIdx(IdxReader.LABELS_MAGIC, 3, labels(3, 10)));
        DataPrepException error = assertThrows(DataPrepException.class, () -> IdxReader.checkImages(hadoop(labelsAsImages), CONF));
        assertMessage(error, "train-images-idx3-ubyte", "wrong magic number", "expected 0x00000803", "found 0x00000801");

        Path garbage = TestIdxFiles.write(dir.resolve("garbage-labels"), labelsIdx(0x12345678, 3, labels(3, 10)));
        error = assertThrows(DataPrepException.class, () -> IdxReader.readLabels(hadoop(garbage), CONF, 10));
        assertMessage(error, "garbage-labels", "expected 0x00000801", "found 0x12345678");
    }

    @Test
    void truncatedGzipIsReported() throws IOException {
        byte[] full = gzip(imagesIdx(IdxReader.IMAGES_MAGIC, 100, 28, 28, pixels(100, 28, 28)));
        Path file = TestIdxFiles.write(dir.resolve("cut-images.gz"), cut(full, full.length / 2));
        DataPrepException error = assertThrows(DataPrepException.class, () -> IdxReader.checkImages(hadoop(file), CONF));
        assertMessage(error, "cut-images.gz", "truncated gzip stream");

        byte[] fullLabels = gzip(labelsIdx(IdxReader.LABELS_MAGIC, 5000, labels(5000, 10)));
        Path labelsFile = TestIdxFiles.write(dir.resolve("cut-labels.gz"), cut(fullLabels, 20));
        error = assertThrows(DataPrepException.class, () -> IdxReader.readLabels(hadoop(labelsFile), CONF, 10));
        assertMessage(error, "cut-labels.gz", "truncated gzip stream");
    }

    @Test
    void truncatedPlainFileNamesExpectedAndFoundBytes() throws IOException {
        Path images = TestIdxFiles.write(dir.resolve("short-images"), cut(imagesIdx(IdxReader.IMAGES_MAGIC, 10, 28, 28, pixels(10, 28, 28)), 100));
        DataPrepException error = assertThrows(DataPrepException.class, () -> IdxReader.checkImages(hadoop(images), CONF));
        assertMessage(error, "short-images", "truncated", "10 images of 28x28 = 7840 bytes", "found 7740");

        Path labels = TestIdxFiles.write(dir.resolve("short-labels"), cut(labelsIdx(IdxReader.LABELS_MAGIC, 10, labels(10, 10)), 3));
        error = assertThrows(DataPrepException.class, () -> IdxReader.readLabels(hadoop(labels), CONF, 10));
        assertMessage(error, "short-labels", "truncated", "10 labels = 10 bytes", "found 7");

        Path header = TestIdxFiles.write(dir.resolve("only-header"), new byte[] {0, 0, 8, 3, 0, 0});
        error = assertThrows(DataPrepException.class, () -> IdxReader.checkImages(hadoop(header), CONF));
        assertMessage(error, "only-header", "too short for an IDX header");
    }

    @Test
    void extraBytesAfterThePromisedContentAreReported() throws IOException {
        byte[] good = imagesIdx(IdxReader.IMAGES_MAGIC, 2, 28, 28, pixels(2, 28, 28));
        byte[] longer = Arrays.copyOf(good, good.length + 5);
        Path file = TestIdxFiles.write(dir.resolve("long-images.gz"), gzip(longer));
        DataPrepException error = assertThrows(DataPrepException.class, () -> IdxReader.checkImages(hadoop(file), CONF));
        assertMessage(error, "long-images.gz", "too long", "1568", "found 1573");
    }

    @Test
    void countMismatchNamesBothFilesAndCounts() throws IOException {
        TestIdxFiles.write(dir.resolve("train-images-idx3-ubyte"), imagesIdx(IdxReader.IMAGES_MAGIC, 12, 28, 28, pixels(12, 28, 28)));
        TestIdxFiles.write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(labelsIdx(IdxReader.LABELS_MAGIC, 11, labels(11, 10))));
        DataPrepException error = assertThrows(DataPrepException.class, () -> openTrain(DatasetSpec.FASHION_MNIST));
        assertMessage(error, "count mismatch", "train-images-idx3-ubyte holds 12 images", "train-labels-idx1-ubyte.gz holds 11 labels");
    }

    @Test
    void labelOutOfRangeNamesFileLabelAndExample() throws IOException {
        byte[] labels = labels(30, 10);
        labels[23] = 10;
        TestIdxFiles.write(dir.resolve("train-images-idx3-ubyte"), imagesIdx(IdxReader.IMAGES_MAGIC, 30, 28, 28, pixels(30, 28, 28)));
        TestIdxFiles.write(dir.resolve("train-labels-idx1-ubyte"), labelsIdx(IdxReader.LABELS_MAGIC, 30, labels));
        DataPrepException error = assertThrows(DataPrepException.class, () -> openTrain(DatasetSpec.FASHION_MNIST));
        assertMessage(error, "train-labels-idx1-ubyte", "label 10 of example 23 is out of range", "expected 0..9");

        labels[23] = (byte) 255; // unsigned: 255, not -1
        TestIdxFiles.write(dir.resolve("train-labels-idx1-ubyte"), labelsIdx(IdxReader.LABELS_MAGIC, 30, labels));
        error = assertThrows(DataPrepException.class, () -> openTrain(DatasetSpec.FASHION_MNIST));
        assertMessage(error, "label 255 of example 23");
    }

    @Test
    void imageSizeMustMatchTheDataset() throws IOException {
        TestIdxFiles.write(dir.resolve("train-images-idx3-ubyte"), imagesIdx(IdxReader.IMAGES_MAGIC, 2, 32, 30, pixels(2, 32, 30)));
        TestIdxFiles.write(dir.resolve("train-labels-idx1-ubyte"), labelsIdx(IdxReader.LABELS_MAGIC, 2, labels(2, 10)));
        DataPrepException error = assertThrows(DataPrepException.class, () -> openTrain(DatasetSpec.MNIST));
        assertMessage(error, "train-images-idx3-ubyte", "wrong image size for mnist", "expected 1x28x28", "found 1x32x30");
    }

    @Test
    void missingFilesAndDirectoriesAreNamed() throws IOException {
        DataPrepException error = assertThrows(DataPrepException.class, () -> openTrain(DatasetSpec.FASHION_MNIST));
        assertMessage(error, dir.getFileName().toString(), "has neither train-images-idx3-ubyte nor train-images-idx3-ubyte.gz");

        Path missing = dir.resolve("no-such-dir");
        error = assertThrows(DataPrepException.class,
                () -> IdxSplitSource.open(hadoop(missing), DatasetSpec.FASHION_MNIST.idxSplits().get(0), DatasetSpec.FASHION_MNIST, CONF));
        assertMessage(error, "no-such-dir", "does not exist");
    }

    @Test
    void readingPastTheImagesIsRefused() throws IOException {
        Path file = TestIdxFiles.write(dir.resolve("images"), imagesIdx(IdxReader.IMAGES_MAGIC, 4, 28, 28, pixels(4, 28, 28)));
        IdxImagesFile images = IdxReader.checkImages(hadoop(file), CONF);
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> IdxReader.readImages(images, CONF, 3, 2));
        assertMessage(error, "images 3..4 are outside the file's 4 images");
    }

    private IdxSplitSource openTrain(DatasetSpec spec) {
        return IdxSplitSource.open(hadoop(dir), spec.idxSplits().get(0), spec, CONF);
    }

    static org.apache.hadoop.fs.Path hadoop(Path file) {
        return new org.apache.hadoop.fs.Path(file.toUri());
    }

    static void assertMessage(Exception error, String... parts) {
        for (String part : parts) {
            assertTrue(error.getMessage().contains(part), "message should contain '" + part + "': " + error.getMessage());
        }
    }

    private static int countNonZero(byte[] bytes) {
        int n = 0;
        for (byte b : bytes) {
            n += b != 0 ? 1 : 0;
        }
        return n;
    }
}
