package org.sparkresnet.data;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.sparkresnet.data.idx.IdxImagesFile;
import org.sparkresnet.data.idx.IdxReader;
import org.sparkresnet.model.InputShape;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class DatasetSpecTest {

    @Test
    void knownDatasetsByName() {
        DatasetSpec fashion = DatasetSpec.byName("fashion-mnist");
        assertSame(DatasetSpec.FASHION_MNIST, fashion);
        assertEquals(new InputShape(1, 28, 28), fashion.shape());
        assertEquals(10, fashion.numClasses());
        assertEquals("Ankle boot", fashion.labelNames().get(9));
        assertSame(DatasetSpec.MNIST, DatasetSpec.byName(" MNIST "));
        assertEquals(List.of("train", "test"), fashion.idxSplits().stream().map(s -> s.split()).toList());
        assertEquals("t10k-labels-idx1-ubyte", fashion.idxSplits().get(1).labelsFileName());
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> DatasetSpec.byName("cifar-10"));
        assertEquals("unknown dataset 'cifar-10', known: fashion-mnist, mnist", error.getMessage());
    }

    @Test
    void isImmutableAndValidated() {
        float[] mean = DatasetSpec.FASHION_MNIST.mean();
        mean[0] = 99f;
        assertEquals(0.2860f, DatasetSpec.FASHION_MNIST.mean()[0]);
        assertThrows(UnsupportedOperationException.class, () -> DatasetSpec.FASHION_MNIST.labelNames().set(0, "x"));

        InputShape rgb = new InputShape(3, 8, 8);
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> new DatasetSpec("tiny", rgb, List.of("a", "b"), new float[] {0.5f}, new float[] {0.2f}));
        assertTrue(error.getMessage().contains("one value per channel (3), got 1 and 1"), error.getMessage());
        error = assertThrows(IllegalArgumentException.class,
                () -> new DatasetSpec("tiny", new InputShape(1, 8, 8), List.of("a", "b"), new float[] {0.5f}, new float[] {0f}));
        assertTrue(error.getMessage().contains("std must be > 0"), error.getMessage());
    }

    /** The spec's mean and std are facts about the data: re-measure them over the 60,000 training images. */
    @Test
    void fashionMnistMeanAndStdMatchTheTrainingImages() {
        assumeTrue(TestIdxFiles.fashionMnistInstalled(), "Fashion-MNIST is not installed (apt package dataset-fashion-mnist)");
        Configuration conf = new Configuration();
        IdxImagesFile images = IdxReader.checkImages(
                new org.apache.hadoop.fs.Path(TestIdxFiles.FASHION_MNIST_DIR.resolve("train-images-idx3-ubyte.gz").toUri()), conf);
        byte[] pixels = IdxReader.readImages(images, conf, 0, images.count());
        double sum = 0;
        double sumOfSquares = 0;
        for (byte b : pixels) {
            double x = Byte.toUnsignedInt(b) / 255.0;
            sum += x;
            sumOfSquares += x * x;
        }
        double mean = sum / pixels.length;
        double std = Math.sqrt(sumOfSquares / pixels.length - mean * mean);
        assertEquals(DatasetSpec.FASHION_MNIST.mean()[0], mean, 1e-4);
        assertEquals(DatasetSpec.FASHION_MNIST.std()[0], std, 1e-4);
    }
}
