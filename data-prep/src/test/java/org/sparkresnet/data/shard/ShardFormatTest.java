package org.sparkresnet.data.shard;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkresnet.data.DataPrepException;
import org.sparkresnet.data.DatasetSpec;
import org.sparkresnet.data.TestIdxFiles;
import org.sparkresnet.model.InputShape;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardFormatTest {
    private static final Configuration CONF = new Configuration();
    private static final InputShape SHAPE = new InputShape(1, 28, 28);

    @TempDir
    Path dir;

    @Test
    void roundTripKeepsEveryPixelAndLabel() throws Exception {
        byte[] pixels = TestIdxFiles.pixels(37, 28, 28); // every byte value 0..255 occurs
        byte[] labels = TestIdxFiles.labels(37, 10);
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(dir.toUri().toString(), ShardFormat.fileName(3));
        long bytes = ShardFormat.write(ShardFormat.encode(pixels, labels, SHAPE), FileSystem.get(file.toUri(), CONF), file);

        assertEquals("shard-00003.bin", file.getName());
        assertEquals(Files.size(dir.resolve("shard-00003.bin")), bytes);
        try (var files = Files.list(dir)) {
            // Hadoop's local file system adds .crc checksum files beside each file; no temporary file may be left
            assertEquals(List.of("shard-00003.bin"), files.map(f -> f.getFileName().toString()).filter(n -> !n.endsWith(".crc")).toList());
        }
        // compact: pixels take one byte each, plus 4 bytes per label and a small fixed header
        assertTrue(bytes < 37 * (784 + 4) + 1024, "shard of 37 examples takes " + bytes + " bytes");

        DataSet back = ShardFormat.read(file, CONF);
        assertEquals(DataType.UINT8, back.getFeatures().dataType());
        assertArrayEquals(new long[] {37, 1, 28, 28}, back.getFeatures().shape());
        assertArrayEquals(pixels, Minibatches.pixelBytes(back));
        for (int i = 0; i < 37; i++) {
            assertEquals(Byte.toUnsignedInt(labels[i]), back.getLabels().getInt(i));
        }
    }

    @Test
    void decodingNormalisesAndOneHotEncodes() {
        byte[] pixels = TestIdxFiles.pixels(6, 28, 28);
        byte[] labels = {3, 0, 9, 9, 1, 5};
        DataSet raw = ShardFormat.encode(pixels, labels, SHAPE);
        int[] order = {4, 2, 0, 5, 1, 3};
        List<DataSet> batches = Minibatches.split(raw, order, 4, Normalization.of(DatasetSpec.FASHION_MNIST));
        assertEquals(2, batches.size());
        assertArrayEquals(new long[] {4, 1, 28, 28}, batches.get(0).getFeatures().shape());
        assertArrayEquals(new long[] {2, 10}, batches.get(1).getLabels().shape());
        assertEquals(DataType.FLOAT, batches.get(0).getFeatures().dataType());

        float mean = DatasetSpec.FASHION_MNIST.mean()[0];
        float std = DatasetSpec.FASHION_MNIST.std()[0];
        for (int i = 0; i < order.length; i++) {
            DataSet batch = batches.get(i / 4);
            int row = i % 4;
            int example = order[i];
            for (int p : new int[] {0, 1, 100, 783}) {
                int y = p / 28;
                int x = p % 28;
                float expected = (Byte.toUnsignedInt(pixels[example * 784 + p]) / 255f - mean) / std;
                assertEquals(expected, batch.getFeatures().getFloat(row, 0, y, x), 1e-5f, "example " + example + " pixel " + p);
            }
            float[] oneHot = batch.getLabels().getRow(row).toFloatVector();
            float[] expected = new float[10];
            expected[labels[example]] = 1f;
            assertArrayEquals(expected, oneHot, "labels of example " + example);
        }
    }

    @Test
    void shuffleIsAPermutationAndDeterministic() {
        int[] a = Minibatches.shuffled(1000, 42);
        assertArrayEquals(a, Minibatches.shuffled(1000, 42));
        assertNotEquals(Arrays.toString(a), Arrays.toString(Minibatches.shuffled(1000, 43)));
        int[] sorted = a.clone();
        Arrays.sort(sorted);
        assertArrayEquals(Minibatches.inOrder(1000), sorted);
        assertNotEquals(Arrays.toString(Minibatches.inOrder(1000)), Arrays.toString(a));
    }

    @Test
    void aFileThatIsNotAShardIsNamed() throws Exception {
        Path notAShard = Files.write(dir.resolve("shard-00000.bin"), new byte[] {1, 2, 3, 4});
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(notAShard.toUri());
        DataPrepException error = assertThrows(DataPrepException.class, () -> ShardFormat.read(file, CONF));
        assertTrue(error.getMessage().contains("shard-00000.bin"), error.getMessage());
    }
}
