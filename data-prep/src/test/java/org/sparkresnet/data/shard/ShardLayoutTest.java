package org.sparkresnet.data.shard;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkresnet.data.DataPrepException;
import org.sparkresnet.data.TestIdxFiles;
import org.sparkresnet.model.InputShape;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The positioned-read view of a shard against what DataSet.load reads from the same file. */
class ShardLayoutTest {
    private static final Configuration CONF = new Configuration();
    @TempDir
    Path dir;

    private org.apache.hadoop.fs.Path writeShard(String name, byte[] pixels, int[] classes, InputShape shape, boolean viaDataSetSave)
            throws Exception {
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(dir.resolve(name).toUri());
        if (viaDataSetSave) {
            try (OutputStream out = Files.newOutputStream(dir.resolve(name))) {
                ShardFormat.encode(pixels, classes, shape).save(out); // ND4J's own writer, element by element
            }
        } else {
            ShardFormat.write(pixels, classes, shape, FileSystem.get(file.toUri(), CONF), file);
        }
        return file;
    }

    @Test
    void rangesReadByOffsetEqualTheWholeShardLoadedByNd4j() throws Exception {
        InputShape shape = new InputShape(3, 5, 7);
        int n = 23;
        byte[] pixels = TestIdxFiles.pixels(n * 3, 5, 7);
        int[] classes = new int[n];
        for (int i = 0; i < n; i++) {
            classes[i] = (i * 7) % 1000; // class indices above 255, as ImageNet has
        }
        for (boolean viaSave : new boolean[] {false, true}) {
            org.apache.hadoop.fs.Path file = writeShard("shard-" + viaSave + ".bin", pixels, classes, shape, viaSave);
            FileSystem fs = FileSystem.get(file.toUri(), CONF);
            ShardLayout layout = ShardLayout.read(file, fs);
            DataSet loaded = ShardFormat.read(file, CONF);
            byte[] all = Minibatches.pixelBytes(loaded);
            assertEquals(n, layout.examples());
            assertEquals(shape, layout.shape());
            assertArrayEquals(loaded.getLabels().toIntVector(), layout.classIndices());
            try (var in = fs.open(file)) {
                byte[] part = new byte[6 * layout.exampleBytes()];
                layout.readExamples(in, 9, 15, part, 0);
                assertArrayEquals(Arrays.copyOfRange(all, 9 * 105, 15 * 105), part, "examples 9..14 " + (viaSave ? "(DataSet.save)" : ""));
                byte[] last = new byte[layout.exampleBytes()];
                layout.readExamples(in, n - 1, n, last, 0);
                assertArrayEquals(Arrays.copyOfRange(all, (n - 1) * 105, n * 105), last);
                assertThrows(IllegalArgumentException.class, () -> layout.readExamples(in, 20, 24, new byte[4 * 105], 0));
            }
        }
    }

    @Test
    void aTruncatedShardIsRefusedNamingTheFile() throws Exception {
        InputShape shape = new InputShape(1, 28, 28);
        org.apache.hadoop.fs.Path file = writeShard("cut.bin", TestIdxFiles.pixels(10, 28, 28), new int[10], shape, true);
        Path local = dir.resolve("cut.bin");
        byte[] bytes = Files.readAllBytes(local);
        Files.write(local, Arrays.copyOf(bytes, bytes.length - 60)); // the labels' end is gone
        Files.deleteIfExists(dir.resolve(".cut.bin.crc"));
        DataPrepException e = assertThrows(DataPrepException.class, () -> ShardLayout.read(file, FileSystem.get(file.toUri(), CONF)));
        assertTrue(e.getMessage().contains("cut.bin") && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void aFileThatIsNotAShardIsRefused() throws Exception {
        Path local = dir.resolve("notes.bin");
        Files.writeString(local, "these are not pixels at all, but they are long enough to fill a header and then some more text");
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(local.toUri());
        DataPrepException e = assertThrows(DataPrepException.class, () -> ShardLayout.read(file, FileSystem.get(file.toUri(), CONF)));
        assertTrue(e.getMessage().contains("notes.bin"), e.getMessage());
    }
}
