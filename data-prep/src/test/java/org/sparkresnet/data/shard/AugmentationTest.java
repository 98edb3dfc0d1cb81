package org.sparkresnet.data.shard;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkresnet.model.InputShape;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The read-time augmentation maths, on small hand-made images whose every output pixel can be worked out by hand. */
class AugmentationTest {
    private static final float[] NO_SCALE = {1f, 1f, 1f};
    private static final float[] NO_OFFSET = {0f, 0f, 0f};

    @Test
    void randomResizedCropsStayInsideTheImageAndWithinTheScaleAndAspectBounds() {
        Augmentation augmentation = Augmentation.RANDOM_RESIZED_CROP_AND_FLIP; // scale [0.08, 1], ratio [3/4, 4/3]
        int height = 120;
        int width = 100;
        Random random = new Random(7);
        double smallestScale = 1;
        double largestScale = 0;
        double smallestRatio = Double.MAX_VALUE;
        double largestRatio = 0;
        int flips = 0;
        int draws = 4000;
        for (int i = 0; i < draws; i++) {
            Augmentation.Window window = augmentation.draw(height, width, random);
            String at = "draw " + i + ": " + window;
            assertTrue(window.top() >= 0 && window.left() >= 0, at);
            assertTrue(window.top() + window.height() <= height && window.left() + window.width() <= width, at);
            // width and height are rounded to whole pixels: allow half a pixel on each side
            double scale = (double) window.height() * window.width() / (height * width);
            double scaleSlack = 0.5 * (window.height() + window.width() + 1) / (height * width);
            assertTrue(scale >= 0.08 - scaleSlack && scale <= 1.0 + scaleSlack, at + " covers " + scale + " of the area");
            double ratio = (double) window.width() / window.height();
            double lowestRatio = (window.width() - 0.5) / (window.height() + 0.5);
            double highestRatio = (window.width() + 0.5) / (window.height() - 0.5);
            assertTrue(highestRatio >= 3.0 / 4.0 && lowestRatio <= 4.0 / 3.0, at + " has width/height " + ratio);
            smallestScale = Math.min(smallestScale, scale);
            largestScale = Math.max(largestScale, scale);
            smallestRatio = Math.min(smallestRatio, ratio);
            largestRatio = Math.max(largestRatio, ratio);
            flips += window.flip() ? 1 : 0;
        }
        // the draws really spread over the ranges, not one fixed crop
        assertTrue(smallestScale < 0.1 && largestScale > 0.9, "scales seen: " + smallestScale + " .. " + largestScale);
        assertTrue(smallestRatio < 0.8 && largestRatio > 1.25, "ratios seen: " + smallestRatio + " .. " + largestRatio);
        assertTrue(flips > 0.45 * draws && flips < 0.55 * draws, flips + " flips in " + draws + " draws");
    }

    @Test
    void whenNoRandomCropFitsTheLargestCentredCropWithinTheRatioBoundsIsTaken() {
        // a 4:1 strip and crops of the whole area with width/height at most 4/3: no random draw fits (too tall)
        Augmentation wholeArea = new Augmentation(1.0, 1.0, 3.0 / 4.0, 4.0 / 3.0, false);
        Augmentation.Window window = wholeArea.draw(100, 400, new Random(1));
        assertEquals(new Augmentation.Window(0, 133, 100, 133, false), window); // 133 = round(100 * 4/3), centred
    }

    @Test
    void theWholeWindowWithoutFlipCopiesEveryPixel() {
        int channels = 3;
        int height = 4;
        int width = 5;
        byte[] pixels = ramp(channels, height, width);
        float[] out = new float[channels * height * width];
        Augmentation.FLIP_ONLY.apply(pixels, 0, channels, height, width, new Augmentation.Window(0, 0, height, width, false),
                NO_SCALE, NO_OFFSET, out, 0);
        for (int i = 0; i < out.length; i++) {
            assertEquals(Byte.toUnsignedInt(pixels[i]), out[i], 0f, "value " + i);
        }
    }

    @Test
    void aFlipMirrorsEveryRowOfEveryChannel() {
        int channels = 3;
        int height = 2;
        int width = 5;
        byte[] pixels = ramp(channels, height, width);
        float[] out = new float[channels * height * width];
        Augmentation.FLIP_ONLY.apply(pixels, 0, channels, height, width, new Augmentation.Window(0, 0, height, width, true),
                NO_SCALE, NO_OFFSET, out, 0);
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int mirrored = c * height * width + y * width + (width - 1 - x);
                    assertEquals(Byte.toUnsignedInt(pixels[mirrored]), out[c * height * width + y * width + x], 0f,
                            "channel " + c + " row " + y + " column " + x);
                }
            }
        }
        // and it is a real change: the first row now starts with what was its last pixel
        assertNotEquals(Byte.toUnsignedInt(pixels[0]), out[0]);
    }

    @Test
    void aCropIsResampledBilinearlyToTheFullSize() {
        // one channel, 4x4, pixel (row, column) = 10 * row + column: bilinear sampling of a linear ramp is exact, so each
        // output pixel is 10 * sourceRow + sourceColumn at the source position its centre maps to
        int size = 4;
        byte[] pixels = new byte[size * size];
        for (int row = 0; row < size; row++) {
            for (int column = 0; column < size; column++) {
                pixels[row * size + column] = (byte) (10 * row + column);
            }
        }
        // the central 2x2 window (rows and columns 1..2), enlarged to 4x4: pixel centres map to 1 + (i + 0.5) / 2 - 0.5,
        // clamped to the window: 1, 1.25, 1.75, 2
        double[] source = {1, 1.25, 1.75, 2};
        float[] out = new float[size * size];
        Augmentation.FLIP_ONLY.apply(pixels, 0, 1, size, size, new Augmentation.Window(1, 1, 2, 2, false), NO_SCALE, NO_OFFSET, out, 0);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                assertEquals(10 * source[y] + source[x], out[y * size + x], 1e-4, "output row " + y + " column " + x);
            }
        }

        // flipped: the same crop read right to left
        Augmentation.FLIP_ONLY.apply(pixels, 0, 1, size, size, new Augmentation.Window(1, 1, 2, 2, true), NO_SCALE, NO_OFFSET, out, 0);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                assertEquals(10 * source[y] + source[size - 1 - x], out[y * size + x], 1e-4, "flipped row " + y + " column " + x);
            }
        }
    }

    @Test
    void augmentedMinibatchesKeepTheShapeAndLabelsAndAreNormalisedPerChannel() {
        InputShape shape = new InputShape(3, 6, 6);
        int n = 5;
        byte[] pixels = new byte[n * 3 * 36];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                // every example a flat colour, a different one per channel: any crop or flip keeps the value
                java.util.Arrays.fill(pixels, (i * 3 + c) * 36, (i * 3 + c + 1) * 36, (byte) (40 * c + 10 * i + 5));
            }
        }
        byte[] labels = {2, 0, 1, 2, 1};
        float[] mean = {0.5f, 0.25f, 0f};
        float[] std = {0.5f, 0.25f, 2f};
        Normalization normalization = new Normalization(mean, std, 3);
        DataSet raw = ShardFormat.encode(pixels, labels, shape);

        List<DataSet> batches = Minibatches.split(raw, Minibatches.inOrder(n), 3, normalization, Augmentation.RANDOM_RESIZED_CROP_AND_FLIP,
                new Random(11));
        assertEquals(2, batches.size());
        assertArrayEquals(new long[] {3, 3, 6, 6}, batches.get(0).getFeatures().shape());
        assertArrayEquals(new long[] {2, 3, 6, 6}, batches.get(1).getFeatures().shape());
        assertEquals(DataType.FLOAT, batches.get(0).getFeatures().dataType());
        for (int i = 0; i < n; i++) {
            DataSet batch = batches.get(i / 3);
            int row = i % 3;
            for (int c = 0; c < 3; c++) {
                float expected = ((40 * c + 10 * i + 5) / 255f - mean[c]) / std[c];
                for (int y = 0; y < 6; y++) {
                    for (int x = 0; x < 6; x++) {
                        assertEquals(expected, batch.getFeatures().getFloat(row, c, y, x), 1e-5f, "example " + i + " channel " + c);
                    }
                }
            }
            float[] oneHot = new float[3];
            oneHot[labels[i]] = 1f;
            assertArrayEquals(oneHot, batch.getLabels().getRow(row).toFloatVector(), "labels of example " + i);
        }
    }

    @Test
    void theSameSeedGivesTheSameAugmentationAndAnotherSeedAnother() {
        InputShape shape = new InputShape(3, 8, 8);
        int n = 6;
        byte[] pixels = new byte[n * 3 * 64];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 29 + 3);
        }
        DataSet raw = ShardFormat.encode(pixels, new byte[] {0, 1, 0, 1, 0, 1}, shape);
        Normalization normalization = new Normalization(new float[] {0f, 0f, 0f}, new float[] {1f, 1f, 1f}, 2);
        float[] first = augmented(raw, normalization, 42);
        assertArrayEquals(first, augmented(raw, normalization, 42));
        assertFalse(java.util.Arrays.equals(first, augmented(raw, normalization, 43)));
    }

    @Test
    void flipOnlyGivesEachExampleAsStoredOrMirroredAndBoth() {
        int size = 4;
        int n = 16;
        byte[] pixels = new byte[n * size * size];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i % (size * size) * 7 + 1); // every example the same asymmetric image
        }
        DataSet raw = ShardFormat.encode(pixels, new byte[n], new InputShape(1, size, size));
        Normalization identity = new Normalization(new float[] {0f}, new float[] {1f / 255f}, 2); // x * 1 + 0
        DataSet batch = Minibatches.split(raw, Minibatches.inOrder(n), n, identity, Augmentation.FLIP_ONLY, new Random(5)).get(0);
        int asStored = 0;
        int mirrored = 0;
        for (int i = 0; i < n; i++) {
            boolean same = true;
            boolean flipped = true;
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    float value = batch.getFeatures().getFloat(i, 0, y, x);
                    same &= Math.abs(value - Byte.toUnsignedInt(pixels[y * size + x])) < 1e-3;
                    flipped &= Math.abs(value - Byte.toUnsignedInt(pixels[y * size + size - 1 - x])) < 1e-3;
                }
            }
            assertTrue(same ^ flipped, "example " + i + " is neither the stored image nor its mirror image");
            asStored += same ? 1 : 0;
            mirrored += flipped ? 1 : 0;
        }
        assertTrue(asStored > 0 && mirrored > 0, asStored + " as stored, " + mirrored + " mirrored");
    }

    @Test
    void boundsOutsideTheirRangesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Augmentation(0, 1, 0.75, 1.33, true));
        assertThrows(IllegalArgumentException.class, () -> new Augmentation(0.5, 1.2, 0.75, 1.33, true));
        assertThrows(IllegalArgumentException.class, () -> new Augmentation(0.5, 0.4, 0.75, 1.33, true));
        IllegalArgumentException ratio = assertThrows(IllegalArgumentException.class, () -> new Augmentation(0.5, 1, 1.5, 1.2, true));
        assertTrue(ratio.getMessage().contains("1.5"), ratio.getMessage());
    }

    private static float[] augmented(DataSet raw, Normalization normalization, long seed) {
        DataSet batch = Minibatches.split(raw, Minibatches.inOrder(raw.numExamples()), raw.numExamples(), normalization,
                Augmentation.RANDOM_RESIZED_CROP_AND_FLIP, new Random(seed)).get(0);
        return batch.getFeatures().data().asFloat();
    }

    /** CHW pixels 0, 1, 2, ... (mod 256): every value different within a small image, so a wrong source shows. */
    private static byte[] ramp(int channels, int height, int width) {
        byte[] pixels = new byte[channels * height * width];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 3 + 1);
        }
        return pixels;
    }
}
