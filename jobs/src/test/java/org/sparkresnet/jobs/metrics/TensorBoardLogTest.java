package org.sparkresnet.jobs.metrics;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The TensorBoard event files, read back through TensorBoard's own event.proto with protoc. */
class TensorBoardLogTest {
    @TempDir
    java.nio.file.Path dir;

    static final double T0 = 1_750_000_000.25;

    static IterationMetrics point(int epoch, long iteration, double loss, double dataWaitShare, double wallTime) {
        return new IterationMetrics(epoch, iteration, iteration * 32, 10, loss, 0.002, 640.5, dataWaitShare, wallTime);
    }

    static EpochMetrics epoch(int epoch, double loss, double accuracy, double top5) {
        return new EpochMetrics(epoch, 30, 960, loss, accuracy, top5, 0.002, 5, 192, 9, 2);
    }

    @Test
    void maskedCrcMatchesTheCrc32cCheckValue() {
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        int crc = 0xE3069283; // CRC-32C of "123456789" (RFC 3720's check value)
        int masked = ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
        assertEquals(masked, TensorBoardLog.maskedCrc32c(check, 0, check.length));
        assertEquals(masked, EventFiles.maskedCrc(check), "the tests' own CRC agrees");
    }

    @Test
    void eachEpochFileHoldsTheFileVersionThenTheIterationPointsThenTheEpochScalars() throws Exception {
        EventFiles.assumeProtoc();
        TensorBoardLog log = new TensorBoardLog(new Path(dir.toUri()), new Configuration());
        log.clear();
        List<IterationMetrics> first = List.of(point(1, 10, 2.25, 0.125, T0), point(1, 20, 1.75, Double.NaN, T0 + 1),
                point(1, 30, 1.5, 0.0625, T0 + 2));
        Path written1 = log.writeEpoch(epoch(1, 1.8, 0.61, Double.NaN), first);
        // the second epoch ends within the same second: its file must still sort after the first
        Path written2 = log.writeEpoch(epoch(2, 1.2, 0.72, 0.97), List.of(point(2, 60, 1.125, 0.25, T0 + 2.5)));

        java.nio.file.Path tb = dir.resolve(TensorBoardLog.DIR);
        List<java.nio.file.Path> files = EventFiles.files(tb);
        assertEquals(List.of(written1.getName(), written2.getName()), files.stream().map(f -> f.getFileName().toString()).toList(),
                "one file per epoch, sorted in the order written");
        try (var all = Files.list(tb)) {
            assertEquals(2, all.count(), "no temporary files left beside the event files");
        }
        Matcher name = EventFiles.FILE_NAME.matcher(written1.getName());
        assertTrue(name.matches(), written1.getName());
        assertEquals((long) (T0 + 2), Long.parseLong(name.group(1)), "named after the unix seconds of the file's last event");
        assertNotEquals(written1.getName(), written2.getName());

        List<EventFiles.Event> events = EventFiles.read(files.get(0));
        assertEquals(5, events.size(), "file version, 3 iteration points, the epoch");
        assertEquals("brain.Event:2", events.get(0).fileVersion());
        assertEquals(T0, events.get(0).wallTime(), 1e-6);
        assertEquals(Map.of(), events.get(0).values());
        for (int i = 0; i < 3; i++) {
            EventFiles.Event e = events.get(i + 1);
            IterationMetrics p = first.get(i);
            assertNull(e.fileVersion());
            assertEquals(p.iteration(), e.step(), "step = the run's iteration");
            assertEquals(p.wallTime(), e.wallTime(), 1e-6);
            assertEquals((float) p.trainLoss(), e.values().get("train/loss"));
            assertEquals((float) p.learningRate(), e.values().get("train/learning_rate"));
            assertEquals((float) p.imagesPerSecond(), e.values().get("train/images_per_second"));
            assertEquals(Double.isNaN(p.dataWaitShare()) ? null : (float) p.dataWaitShare(), e.values().get("train/data_wait_share"),
                    "a NaN share (not measured) is left out");
        }
        EventFiles.Event end = events.get(4);
        assertEquals(1, end.step(), "per-epoch scalars: step = the epoch");
        assertEquals(Map.of("test/accuracy", 0.61f, "train/epoch_loss", 1.8f), end.values(), "no top-5 when it is NaN");

        List<EventFiles.Event> second = EventFiles.read(files.get(1));
        assertEquals("brain.Event:2", second.get(0).fileVersion());
        assertEquals(60, second.get(1).step());
        assertEquals(Map.of("test/accuracy", 0.72f, "test/top5_accuracy", 0.97f, "train/epoch_loss", 1.2f), second.get(2).values());
    }

    @Test
    void clearRemovesTheEventFilesOnly() throws Exception {
        TensorBoardLog log = new TensorBoardLog(new Path(dir.toUri()), new Configuration());
        log.clear(); // no folder yet
        log.writeEpoch(epoch(1, 1.8, 0.61, Double.NaN), List.of(point(1, 10, 2.25, 0.125, T0)));
        java.nio.file.Path other = dir.resolve(TensorBoardLog.DIR).resolve("notes.txt");
        Files.writeString(other, "kept");
        log.clear();
        assertEquals(List.of(), EventFiles.files(dir.resolve(TensorBoardLog.DIR)));
        assertTrue(Files.exists(other));
    }
}
