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

        // valid JSON, inconsistent content: 5 examples cannot fill 4 shards of 2
        Files.writeString(dir.resolve("manifest.json"), sample().toJson().replace("\"shardSize\" : 2", "\"shardSize\" : 1"));
        error = assertThrows(DataPrepException.class, () -> SplitManifest.read(uri, CONF));
        assertTrue(error.getMessage().contains("5 examples in shards of 1 need 5 shard files, the manifest lists 3"), error.getMessage());
    }

    @Test
    void countsMustAddUp() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> new SplitManifest(1, "mnist", "test", 7,
                new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, DatasetSpec.MNIST.labelNames(), new InputShape(1, 28, 28), "uint8", 10, List.of("shard-00000.bin")));
        assertTrue(error.getMessage().contains("does not add up to numExamples 7"), error.getMessage());
    }
}
