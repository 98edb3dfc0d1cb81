package org.sparkresnet.data.shard;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkresnet.data.TestIdxFiles;
import org.sparkresnet.model.InputShape;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bulk shard writer must write byte for byte what ND4J's DataSet.save writes, so every existing reader reads it. */
class ShardFileWriterTest {

    @Test
    void writesTheSameBytesAsDataSetSaveForGrayAndColourShards() throws Exception {
        assertSameBytesAsNd4j(TestIdxFiles.pixels(37, 28, 28), TestIdxFiles.labels(37, 10), new InputShape(1, 28, 28));

        InputShape colour = new InputShape(3, 5, 7);
        byte[] pixels = new byte[4 * 3 * 5 * 7];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 37 + 11);
        }
        assertSameBytesAsNd4j(pixels, new byte[] {2, 0, 1, (byte) 200}, colour); // a class index above 127 too
    }

    @Test
    void writesOnlyTheFirstNExamplesOfALongerBuffer() throws Exception {
        InputShape shape = new InputShape(3, 2, 2);
        byte[] buffer = new byte[5 * 12]; // room for 5 examples, 3 kept (as when a task skipped bad images)
        for (int i = 0; i < buffer.length; i++) {
            buffer[i] = (byte) (i + 1);
        }
        int[] labels = {4, 0, 2};
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        ShardFileWriter.write(buffer, labels, shape, written);

        DataSet back = new DataSet();
        back.load(new ByteArrayInputStream(written.toByteArray()));
        assertArrayEquals(new long[] {3, 3, 2, 2}, back.getFeatures().shape());
        assertArrayEquals(Arrays.copyOf(buffer, 3 * 12), Minibatches.pixelBytes(back));
        assertArrayEquals(labels, back.getLabels().toIntVector());
    }

    @Test
    void refusesTooFewPixelsNamingTheCounts() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> ShardFileWriter.write(new byte[11], new int[] {0}, new InputShape(3, 2, 2), new ByteArrayOutputStream()));
        assertTrue(error.getMessage().contains("12 pixel bytes, got 11"), error.getMessage());
    }

    private static void assertSameBytesAsNd4j(byte[] pixels, byte[] labels, InputShape shape) throws Exception {
        ByteArrayOutputStream nd4j = new ByteArrayOutputStream();
        ShardFormat.encode(pixels, labels, shape).save(nd4j);
        ByteArrayOutputStream bulk = new ByteArrayOutputStream();
        ShardFileWriter.write(pixels, ShardFormat.classIndices(labels), shape, bulk);

        byte[] expected = nd4j.toByteArray();
        byte[] actual = bulk.toByteArray();
        assertEquals(expected.length, actual.length, "shard size for " + shape);
        assertEquals(-1, Arrays.mismatch(expected, actual), "first differing byte for " + shape);
    }
}
