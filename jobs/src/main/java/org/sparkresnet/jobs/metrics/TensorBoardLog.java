package org.sparkresnet.jobs.metrics;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkresnet.data.fs.HadoopFiles;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * TensorBoard scalars of a training run: {@code <output>/tensorboard/events.out.tfevents.<unix seconds>.<hostname>},
 * written by the driver, read by {@code tensorboard --logdir <output>/tensorboard}.
 * <p>
 * One file per epoch, written whole when the epoch ends and never touched again. A file cannot grow on S3 (no
 * appends) and a file rewritten under the same name is no use either: TensorBoard reads an event file once to its end
 * and then only follows the files that sort after it, so a file replaced with more events would not be read again.
 * A new file per epoch, under a name that sorts after the previous one (the seconds of its last event, kept
 * increasing), is complete when it appears (written under a name TensorBoard ignores, then renamed) on a local disk,
 * HDFS or S3 alike. TensorBoard therefore sees an epoch's points when the epoch ends; metrics.json and report.html
 * follow the epoch as it runs.
 * <p>
 * Each file holds the Event with {@code file_version "brain.Event:2"}, then one Event per iteration point (step = the
 * run's iteration: {@code train/loss}, {@code train/learning_rate}, {@code train/images_per_second},
 * {@code train/data_wait_share}) and one for the epoch (step = the epoch number, as Keras logs its epoch scalars:
 * {@code test/accuracy}, {@code test/top5_accuracy}, {@code train/epoch_loss}); NaN values (not measured, or no top-5
 * for 10 classes or fewer) are left out. Records are TFRecords (length, masked CRC-32C of the length, the Event
 * bytes, masked CRC-32C of the bytes); the protobuf is encoded here by hand, with the field numbers of TensorBoard's
 * {@code event.proto} and {@code summary.proto}.
 */
public final class TensorBoardLog {
    public static final String DIR = "tensorboard";
    public static final String FILE_PREFIX = "events.out.tfevents.";
    public static final String FILE_VERSION = "brain.Event:2";

    private final Path dir;
    private final Configuration conf;
    private final String host;
    private long lastFileSeconds = Long.MIN_VALUE;

    public TensorBoardLog(Path outputDir, Configuration conf) {
        this.dir = new Path(outputDir, DIR);
        this.conf = conf;
        this.host = hostName();
    }

    public Path dir() {
        return dir;
    }

    /**
     * Removes the folder's event files (a new run's start, or a resume about to write its epochs' files again) and
     * creates the folder if it is missing.
     */
    public void clear() {
        FileSystem fs = fileSystem();
        try {
            if (fs.exists(dir)) {
                for (FileStatus file : fs.listStatus(dir)) {
                    if (file.isFile() && file.getPath().getName().contains("tfevents")) {
                        fs.delete(file.getPath(), false);
                    }
                }
            }
            fs.mkdirs(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear the TensorBoard folder " + dir + ": " + e.getMessage(), e);
        }
        lastFileSeconds = Long.MIN_VALUE;
    }

    /**
     * Writes the file of one finished epoch: its iteration points, then its test accuracy and training loss.
     *
     * @param points the epoch's points, oldest first (may be empty: metrics.json of earlier versions had none)
     * @return the file written
     */
    public Path writeEpoch(EpochMetrics epoch, List<IterationMetrics> points) {
        double endTime = points.isEmpty() ? System.currentTimeMillis() / 1000.0 : points.get(points.size() - 1).wallTime();
        double startTime = points.isEmpty() ? endTime : points.get(0).wallTime();
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        writeRecord(file, fileVersionEvent(startTime));
        for (IterationMetrics p : points) {
            Map<String, Double> values = new LinkedHashMap<>();
            values.put("train/loss", p.trainLoss());
            values.put("train/learning_rate", p.learningRate());
            values.put("train/images_per_second", p.imagesPerSecond());
            values.put("train/data_wait_share", p.dataWaitShare());
            writeRecord(file, scalarsEvent(p.wallTime(), p.iteration(), values));
        }
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("test/accuracy", epoch.testAccuracy());
        values.put("test/top5_accuracy", epoch.testTop5Accuracy());
        values.put("train/epoch_loss", epoch.trainLoss());
        writeRecord(file, scalarsEvent(endTime, epoch.epoch(), values));

        lastFileSeconds = Math.max((long) Math.floor(endTime), lastFileSeconds + 1);
        Path target = new Path(dir, FILE_PREFIX + lastFileSeconds + "." + host);
        write(target, file.toByteArray());
        return target;
    }

    /**
     * Writes under a temporary name without "tfevents" (TensorBoard takes every name containing it for an event file,
     * hidden or not), then renames: the event file appears complete or not at all.
     */
    private void write(Path target, byte[] bytes) {
        FileSystem fs = fileSystem();
        Path temporary = new Path(dir, "." + UUID.randomUUID() + ".writing");
        try {
            try {
                try (FSDataOutputStream out = fs.create(temporary, false)) {
                    out.write(bytes);
                }
                if (fs.exists(target) && !fs.delete(target, false)) {
                    throw new IOException("cannot replace " + target);
                }
                if (!fs.rename(temporary, target)) {
                    throw new IOException("cannot rename " + temporary + " to " + target);
                }
            } finally {
                if (fs.exists(temporary)) {
                    fs.delete(temporary, false);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + target + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * The folder's file system; for local disks the raw one: Hadoop's checksummed local file system writes a
     * {@code .<name>.crc} file beside each file, and TensorBoard would take {@code .events.out.tfevents....crc} for an
     * event file.
     */
    private FileSystem fileSystem() {
        FileSystem fs = HadoopFiles.fileSystem(dir, conf);
        return fs instanceof ChecksumFileSystem checksummed ? checksummed.getRawFileSystem() : fs;
    }

    // --- TFRecord framing and the Event protobuf, by hand ---

    /** One TFRecord: uint64 length (little-endian), masked CRC-32C of those 8 bytes, the data, masked CRC-32C of the data. */
    static void writeRecord(ByteArrayOutputStream out, byte[] data) {
        byte[] length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(data.length).array();
        out.writeBytes(length);
        out.writeBytes(littleEndianInt(maskedCrc32c(length, 0, length.length)));
        out.writeBytes(data);
        out.writeBytes(littleEndianInt(maskedCrc32c(data, 0, data.length)));
    }

    /** TFRecord's masked CRC-32C (Castagnoli): rotated right by 15 bits, plus 0xa282ead8. */
    public static int maskedCrc32c(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + 0xa282ead8;
    }

    /** Event {wall_time = 1, file_version = 3}. */
    static byte[] fileVersionEvent(double wallTime) {
        ByteArrayOutputStream event = new ByteArrayOutputStream();
        doubleField(event, 1, wallTime);
        bytesField(event, 3, FILE_VERSION.getBytes(StandardCharsets.UTF_8));
        return event.toByteArray();
    }

    /** Event {wall_time = 1, step = 2, summary = 5 {repeated value = 1 {tag = 1, simple_value = 2}}}, NaN values left out. */
    static byte[] scalarsEvent(double wallTime, long step, Map<String, Double> values) {
        ByteArrayOutputStream summary = new ByteArrayOutputStream();
        values.forEach((tag, value) -> {
            if (value != null && !Double.isNaN(value)) {
                ByteArrayOutputStream v = new ByteArrayOutputStream();
                bytesField(v, 1, tag.getBytes(StandardCharsets.UTF_8));
                tag(v, 2, 5);
                v.writeBytes(littleEndianInt(Float.floatToIntBits(value.floatValue())));
                bytesField(summary, 1, v.toByteArray());
            }
        });
        ByteArrayOutputStream event = new ByteArrayOutputStream();
        doubleField(event, 1, wallTime);
        tag(event, 2, 0);
        varint(event, step);
        bytesField(event, 5, summary.toByteArray());
        return event.toByteArray();
    }

    private static void doubleField(ByteArrayOutputStream out, int field, double value) {
        tag(out, field, 1);
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(value).array());
    }

    private static void bytesField(ByteArrayOutputStream out, int field, byte[] bytes) {
        tag(out, field, 2);
        varint(out, bytes.length);
        out.writeBytes(bytes);
    }

    /** A field's key: field number and wire type (0 varint, 1 64-bit, 2 length-delimited, 5 32-bit). */
    private static void tag(ByteArrayOutputStream out, int field, int wireType) {
        varint(out, ((long) field << 3) | wireType);
    }

    private static void varint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    private static byte[] littleEndianInt(int value) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array();
    }

    private static String hostName() {
        String name;
        try {
            name = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            name = "localhost";
        }
        String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
        return safe.isEmpty() ? "localhost" : safe;
    }
}
