package org.sparkresnet.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shard tasks write under a run's staging folder; a split folder appears only when the driver commits it. So a task
 * of a failed stage that is still writing after the run's cleanup (Spark lets them finish) cannot leave a split
 * folder behind that makes the next run refuse the output, the race behind a once-flaky ImagePrepareJobTest.
 */
class SplitStagingTest {
    @TempDir
    Path dir;

    private final Configuration conf = new Configuration();

    private org.apache.hadoop.fs.Path output() {
        return new org.apache.hadoop.fs.Path(dir.resolve("out").toUri());
    }

    private static List<String> names(Path folder) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void shardsReachTheSplitFolderOnlyWhenCommitted() throws Exception {
        SplitStaging staging = SplitStaging.create(output(), conf);
        Path shard = Path.of(new org.apache.hadoop.fs.Path(staging.splitDir("train"), "shard-00000.bin").toUri());
        Files.writeString(shard, "shard bytes");
        assertFalse(Files.exists(dir.resolve("out/train")), "nothing in the output before the commit");
        assertTrue(names(dir.resolve("out")).get(0).startsWith("_staging-"));

        org.apache.hadoop.fs.Path committed = staging.commit("train");
        assertEquals(dir.resolve("out/train"), Path.of(committed.toUri()));
        assertEquals(List.of("shard-00000.bin"), names(dir.resolve("out/train")));
        staging.discard();
        assertEquals(List.of("train"), names(dir.resolve("out")));
    }

    @Test
    void aStragglerWritingAfterAFailedRunsCleanupDoesNotBlockTheNextRun() throws Exception {
        SplitStaging failed = SplitStaging.create(output(), conf);
        org.apache.hadoop.fs.Path stagingSplit = failed.splitDir("train");
        failed.discard(); // the failed run's cleanup
        // a task of the failed stage finishes its shard afterwards, recreating the folders it writes into
        Path late = Path.of(new org.apache.hadoop.fs.Path(stagingSplit, "shard-00003.bin").toUri());
        Files.createDirectories(late.getParent());
        Files.writeString(late, "late shard");

        assertFalse(Files.exists(dir.resolve("out/train")), "no split folder left looking like a prepared split");
        PrepareJob.checkOutput(output(), List.of("train", "test"), false, conf); // the next run is not refused
    }

    @Test
    void commitRefusesASplitFolderThatAppearedMeanwhile() throws Exception {
        SplitStaging staging = SplitStaging.create(output(), conf);
        staging.splitDir("train");
        Files.createDirectories(dir.resolve("out/train"));
        Files.writeString(dir.resolve("out/train/manifest.json"), "{}");
        DataPrepException e = assertThrows(DataPrepException.class, () -> staging.commit("train"));
        assertTrue(e.getMessage().contains("out/train appeared while this run was writing it"), e.getMessage());
        assertEquals(List.of("manifest.json"), names(dir.resolve("out/train")), "the other run's split is untouched");
    }

    /** --overwrite: the old split waits aside until finish(); a rollback (the run failed, even mid-commit) puts it back. */
    @Test
    void replacingKeepsTheOldSplitUntilFinishAndRollBackRestoresIt() throws Exception {
        Files.createDirectories(dir.resolve("out/train"));
        Files.writeString(dir.resolve("out/train/manifest.json"), "old");
        Files.createDirectories(dir.resolve("out/test"));
        Files.writeString(dir.resolve("out/test/manifest.json"), "old test");

        SplitStaging failed = SplitStaging.create(output(), conf, true);
        Files.writeString(Path.of(new org.apache.hadoop.fs.Path(failed.splitDir("train"), "manifest.json").toUri()), "new");
        failed.splitDir("test");
        failed.commit("train");
        assertEquals("new", Files.readString(dir.resolve("out/train/manifest.json")));
        assertEquals(List.of(), failed.rollBack()); // e.g. the test split's commit failed
        assertEquals("old", Files.readString(dir.resolve("out/train/manifest.json")));
        assertEquals("old test", Files.readString(dir.resolve("out/test/manifest.json")));
        assertEquals(List.of("test", "train"), names(dir.resolve("out")), "no staging folder left");

        SplitStaging succeeded = SplitStaging.create(output(), conf, true);
        Files.writeString(Path.of(new org.apache.hadoop.fs.Path(succeeded.splitDir("train"), "manifest.json").toUri()), "new");
        succeeded.commit("train");
        succeeded.finish();
        assertEquals("new", Files.readString(dir.resolve("out/train/manifest.json")));
        assertEquals(List.of("test", "train"), names(dir.resolve("out")), "the replaced split is deleted with the staging folder");
    }
}
