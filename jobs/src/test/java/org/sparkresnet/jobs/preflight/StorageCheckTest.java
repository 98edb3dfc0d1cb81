package org.sparkresnet.jobs.preflight;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.model.InputShape;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StorageCheckTest {
    private static final List<String> SPLITS = List.of("train", "test");
    private final Configuration conf = new Configuration();
    @TempDir
    java.nio.file.Path work;

    /** A prepared split as 'prepare' leaves it: the shards, then manifest.json (format 2, from the IDX spec). */
    private void prepareSplit(java.nio.file.Path data, String split, int examples) throws IOException {
        java.nio.file.Path dir = Files.createDirectories(data.resolve(split));
        Files.write(dir.resolve("shard-00000.bin"), new byte[200]);
        long[] counts = new long[10];
        counts[0] = examples;
        SplitManifest.of("fashion-mnist", split, counts, List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
                new InputShape(1, 28, 28), 256, List.of("shard-00000.bin")).write(new Path(dir.toUri()), conf);
    }

    @Test
    void preparedDataIsReadable() throws IOException {
        prepareSplit(work.resolve("data"), "train", 100);
        prepareSplit(work.resolve("data"), "test", 20);
        Check check = StorageCheck.data("driver", work.resolve("data").toUri().toString(), SPLITS, conf);
        assertEquals(Check.Status.PASS, check.status(), check.toString());
        assertTrue(check.detail().contains("train 100 examples in 1 shards, test 20 examples"), check.detail());
    }

    @Test
    void aMissingDataFolderFailsNamingIt() {
        String uri = work.resolve("nowhere").toUri().toString();
        Check check = StorageCheck.data("executor 1 (h)", uri, SPLITS, conf);
        assertEquals(Check.Status.FAIL, check.status());
        assertTrue(check.detail().startsWith(uri + " does not exist"), check.detail());
        assertTrue(check.advice().contains("prepare --output " + uri), check.advice());
    }

    @Test
    void aSplitWithoutManifestFailsNamingTheSplit() throws IOException {
        prepareSplit(work.resolve("data"), "train", 100);
        Files.createDirectories(work.resolve("data/test"));
        Check check = StorageCheck.data("driver", work.resolve("data").toUri().toString(), SPLITS, conf);
        assertEquals(Check.Status.FAIL, check.status());
        assertTrue(check.detail().contains("no manifest.json in " + new Path(work.resolve("data").toUri().toString(), "test")), check.detail());
    }

    @Test
    void anUnreadableShardFails() throws IOException {
        prepareSplit(work.resolve("data"), "train", 100);
        prepareSplit(work.resolve("data"), "test", 20);
        Files.delete(work.resolve("data/test/shard-00000.bin"));
        Check check = StorageCheck.data("driver", work.resolve("data").toUri().toString(), SPLITS, conf);
        assertEquals(Check.Status.FAIL, check.status());
        assertTrue(check.detail().contains("cannot read") && check.detail().contains("test/shard-00000.bin"), check.detail());
    }

    @Test
    void aWritableOutputIsProbedAndLeftAsItWas() throws IOException {
        java.nio.file.Path out = Files.createDirectories(work.resolve("out"));
        Check check = StorageCheck.output("executor 0 (h)", out.toUri().toString(), conf, "executor0");
        assertEquals(Check.Status.PASS, check.status(), check.toString());
        try (var left = Files.list(out)) {
            assertEquals(List.of(), left.toList(), "the probe file (and any checksum file) is deleted");
        }
    }

    @Test
    void anOutputThatDoesNotExistYetIsProbedInTheFolderItWillBeCreatedIn() throws IOException {
        String uri = work.resolve("runs/run1").toUri().toString();
        Check check = StorageCheck.output("driver", uri, conf, "driver");
        assertEquals(Check.Status.PASS, check.status(), check.toString());
        assertTrue(check.detail().contains("does not exist yet"), check.detail());
        assertFalse(Files.exists(work.resolve("runs")), "preflight creates nothing");
        try (var left = Files.list(work)) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void aReadOnlyOutputFailsNamingIt() throws Exception {
        try (ReadOnlyFolder folder = new ReadOnlyFolder(work.resolve("read-only"))) {
            String uri = folder.path().toUri().toString();
            Check check = StorageCheck.output("executor 0 (h)", uri, conf, "executor0");
            assertEquals(Check.Status.FAIL, check.status(), check.toString());
            assertTrue(check.detail().startsWith("cannot write to " + uri), check.detail());
            assertTrue(check.advice().contains("write access to " + uri), check.advice());
        }
    }

    @Test
    void anOutputBelowAFileFails() throws IOException {
        Files.write(work.resolve("file"), new byte[1]);
        Check check = StorageCheck.output("driver", work.resolve("file/out").toUri().toString(), conf, "driver");
        assertEquals(Check.Status.FAIL, check.status());
        assertTrue(check.detail().contains("is a file, not a folder"), check.detail());
    }

    @Test
    void fileUrisWarnOnlyWhenExecutorsRunOnOtherMachines() {
        assertEquals(null, StorageCheck.localPathsAcrossHosts("driver", "file:/d", "file:/o", "h1", List.of("h1", "h1")));
        assertEquals(null, StorageCheck.localPathsAcrossHosts("driver", "hdfs://nn/d", "s3a://b/o", "h1", List.of("h2")));
        Check check = StorageCheck.localPathsAcrossHosts("driver", "hdfs://nn/d", "file:/o", "h1", List.of("h1", "h2", "h3"));
        assertEquals(Check.Status.WARN, check.status());
        assertTrue(check.detail().startsWith("file:/o name each machine's own disk, and executors run on 2 other"), check.detail());
    }
}
