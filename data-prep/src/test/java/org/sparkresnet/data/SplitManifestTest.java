package org.sparkresnet.data;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.model.InputShape;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SplitManifestTest {
    private static final Configuration CONF = new Configuration();

    @TempDir
    Path dir;

    private static SplitManifest sample() {
        return SplitManifest.of("fashion-mnist", "train", new long[] {3, 2, 0, 0, 0, 0, 0, 0, 0, 0},
                DatasetSpec.FASHION_MNIST.labelNames(), new InputShape(1, 28, 28), 2, List.of("shard-00000.bin", "shard-00001.bin", "shard-00002.bin"));
    }

    @Test
    void writesAndReadsBack() throws Exception {
        SplitManifest manifest = sample();
        manifest.write(new org.apache.hadoop.fs.Path(dir.toUri()), CONF);
        try (var files = Files.list(dir)) {
            // Hadoop's local file system adds .crc checksum files beside each file; no temporary file may be left
            assertEquals(List.of("manifest.json"), files.map(f -> f.getFileName().toString()).filter(n -> !n.endsWith(".crc")).toList());
        }
        String json = Files.readString(dir.resolve("manifest.json"));
        assertTrue(json.contains("\"numExamples\" : 5"), json);
        assertTrue(json.contains("\"storage\" : \"uint8\""), json);
        assertTrue(json.contains("\"channels\" : 1"), json);
        SplitManifest back = SplitManifest.read(dir.toUri().toString(), CONF);
        assertEquals(manifest, back);
        assertEquals(5, back.numExamples());
        assertArrayEquals(new long[] {3, 2, 0, 0, 0, 0, 0, 0, 0, 0}, back.countsPerClass());
        assertEquals(new InputShape(1, 28, 28), back.shape());
        assertEquals(DatasetSpec.FASHION_MNIST, back.spec());
        assertEquals(3, back.shards().size());
    }

    @Test
    void missingManifestSaysTheSplitIsNotPrepared() {
        String uri = dir.toUri().toString();
        DataPrepException error = assertThrows(DataPrepException.class, () -> SplitManifest.read(uri, CONF));
        assertEquals("no manifest.json in " + uri + ": not a prepared split, or preparation did not finish", error.getMessage());
    }

    @Test
    void malformedManifestIsNamed() throws Exception {
        String uri = dir.toUri().toString();
        Files.writeString(dir.resolve("manifest.json"), "{\"dataset\": ");
        DataPrepException error = assertThrows(DataPrepException.class, () -> SplitManifest.read(uri, CONF));
        assertTrue(error.getMessage().startsWith("malformed manifest.json in " + uri + ": "), error.getMessage());

        // valid JSON, inconsistent content: shards of 2 examples cannot have a shard size of 1
        Files.writeString(dir.resolve("manifest.json"), sample().toJson().replace("\"shardSize\" : 2", "\"shardSize\" : 1"));
        error = assertThrows(DataPrepException.class, () -> SplitManifest.read(uri, CONF));
        assertTrue(error.getMessage().contains("shard shard-00000.bin holds 2 examples, expected 1..1"), error.getMessage());
    }

    @Test
    void readsFormatOneManifestsDerivingTheNewFieldsFromTheSpec() {
        String v1 = "{\"formatVersion\":1,\"dataset\":\"mnist\",\"split\":\"test\",\"numExamples\":5,"
                + "\"countsPerClass\":[1,1,1,1,1,0,0,0,0,0],\"labelNames\":[\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"],"
                + "\"shape\":{\"channels\":1,\"height\":28,\"width\":28},\"storage\":\"uint8\",\"shardSize\":2,"
                + "\"shards\":[\"shard-00000.bin\",\"shard-00001.bin\",\"shard-00002.bin\"]}";
        SplitManifest manifest = SplitManifest.fromJson(v1);
        assertEquals(List.of(2, 2, 1), manifest.shardCounts());
        assertEquals(DatasetSpec.MNIST.labelNames(), manifest.classIds());
        assertArrayEquals(DatasetSpec.MNIST.mean(), manifest.mean());
        assertEquals(DatasetSpec.MNIST, manifest.spec());
        assertEquals(0, manifest.bytesPerExample(), "not recorded in format 1");
        assertEquals(Preprocessing.IDX_AS_STORED, manifest.preprocessing());
    }

    @Test
    void recordsBytesPerExampleAndProjectsDiskCost() {
        SplitManifest manifest = SplitManifest.of("folder", "train", "file:/in/train", new long[] {2, 1}, List.of("a", "b"), List.of("a", "b"),
                new InputShape(3, 4, 4), 301, 2, List.of("shard-00000.bin", "shard-00001.bin"), List.of(2, 1),
                new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.2f, 0.2f, 0.2f}, new Preprocessing("test", "test", 5, 4, 1), List.of(), java.util.Map.of());
        assertEquals(101, manifest.bytesPerExample(), "301 bytes over 3 examples, rounded up");
        assertEquals(101_000, manifest.bytesFor(1000));
        assertEquals(manifest, SplitManifest.fromJson(manifest.toJson()));
        IllegalArgumentException wrongCounts = assertThrows(IllegalArgumentException.class, () -> SplitManifest.of("folder", "train", null,
                new long[] {2, 1}, List.of("a", "b"), List.of("a", "b"), new InputShape(3, 4, 4), 301, 2, List.of("shard-00000.bin"),
                List.of(2), new float[3], new float[] {1, 1, 1}, new Preprocessing("t", "t", 0, 0, -1), List.of(), java.util.Map.of()));
        assertEquals("shards hold 2 examples, numExamples is 3", wrongCounts.getMessage());
    }

    @Test
    void countsMustAddUp() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> new SplitManifest(1, "mnist", "test", 7,
                new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, DatasetSpec.MNIST.labelNames(), new InputShape(1, 28, 28), "uint8", 10, List.of("shard-00000.bin")));
        assertTrue(error.getMessage().contains("does not add up to numExamples 7"), error.getMessage());
    }
}
