package org.sparkresnet.data.idx;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkresnet.data.DataPrepException;
import org.sparkresnet.data.fs.HadoopFiles;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads MNIST-family IDX files (unsigned-byte images [n, rows, cols] and labels [n]) from any Hadoop FS path, plain or
 * gzip-compressed; compression is detected from the magic bytes 1f 8b, not from the name. Every check that fails
 * throws a {@link DataPrepException} naming the file and what was expected versus found.
 */
public final class IdxReader {
    /** IDX: two zero bytes, type 0x08 (unsigned byte), 3 dimensions. */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** IDX: two zero bytes, type 0x08 (unsigned byte), 1 dimension. */
    public static final int LABELS_MAGIC = 0x00000801;
    public static final int LABELS_HEADER_BYTES = 8;

    private static final int GZIP_MAGIC_0 = 0x1f;
    private static final int GZIP_MAGIC_1 = 0x8b;
    private static final int BUFFER_BYTES = 1 << 16;

    private IdxReader() {
    }

    /**
     * Checks an images file: magic number, positive dimensions, and that it holds exactly the bytes its header
     * promises. A gzip file is decompressed once to the end to check that (about 0.3 s for 47 MB), nothing is kept.
     */
    public static IdxImagesFile checkImages(Path file, Configuration conf) {
        try (OpenedIdx opened = OpenedIdx.open(file, conf)) {
            DataInputStream in = new DataInputStream(opened.stream);
            int magic = readHeaderInt(in, file, IdxImagesFile.HEADER_BYTES);
            if (magic != IMAGES_MAGIC) {
                throw wrongMagic(file, magic, IMAGES_MAGIC, "IDX images: unsigned bytes, 3 dimensions");
            }
            int count = readHeaderInt(in, file, IdxImagesFile.HEADER_BYTES);
            int rows = readHeaderInt(in, file, IdxImagesFile.HEADER_BYTES);
            int cols = readHeaderInt(in, file, IdxImagesFile.HEADER_BYTES);
            if (count < 0 || rows <= 0 || cols <= 0) {
                throw new DataPrepException(file + ": bad dimensions in the IDX header: expected count >= 0 and rows, cols > 0, found "
                        + count + " images of " + rows + "x" + cols);
            }
            IdxImagesFile images = new IdxImagesFile(file.toString(), opened.gzipped, count, rows, cols);
            long found = opened.gzipped ? countRemaining(in, file) : opened.length - IdxImagesFile.HEADER_BYTES;
            checkPayloadLength(file, images.payloadBytes(), found,
                    count + " images of " + rows + "x" + cols, opened.gzipped);
            return images;
        } catch (IOException e) {
            throw ioFailure(file, e);
        }
    }

    /**
     * Reads a whole labels file and checks its magic number, length and that every label lies in 0..numClasses-1.
     *
     * @return one byte per example, each a class index
     */
    public static byte[] readLabels(Path file, Configuration conf, int numClasses) {
        try (OpenedIdx opened = OpenedIdx.open(file, conf)) {
            DataInputStream in = new DataInputStream(opened.stream);
            int magic = readHeaderInt(in, file, LABELS_HEADER_BYTES);
            if (magic != LABELS_MAGIC) {
                throw wrongMagic(file, magic, LABELS_MAGIC, "IDX labels: unsigned bytes, 1 dimension");
            }
            int count = readHeaderInt(in, file, LABELS_HEADER_BYTES);
            if (count < 0) {
                throw new DataPrepException(file + ": bad label count in the IDX header: expected >= 0, found " + count);
            }
            byte[] labels = new byte[count];
            int read = in.readNBytes(labels, 0, count);
            long extra = read < count ? 0 : countRemaining(in, file);
            checkPayloadLength(file, count, read + extra, count + " labels", opened.gzipped);
            for (int i = 0; i < count; i++) {
                int label = Byte.toUnsignedInt(labels[i]);
                if (label >= numClasses) {
                    throw new DataPrepException(file + ": label " + label + " of example " + i + " is out of range: expected 0.."
                            + (numClasses - 1) + " (" + numClasses + " classes)");
                }
            }
            return labels;
        } catch (EOFException e) {
            throw truncatedGzip(file, e);
        } catch (IOException e) {
            throw ioFailure(file, e);
        }
    }

    /** Receives one range of images read by {@link #readConsecutive}. */
    @FunctionalInterface
    public interface RangeConsumer {
        void accept(int rangeIndex, long first, byte[] pixels) throws IOException;
    }

    /**
     * Reads images {@code first .. first+count-1} of a checked images file: {@code count * rows * cols} bytes, row-major.
     * A plain file is read with a seek; a gzip file has to be decompressed from its start up to {@code first}.
     */
    public static byte[] readImages(IdxImagesFile images, Configuration conf, long first, int count) {
        byte[][] result = new byte[1][];
        readConsecutive(images, conf, first, new int[]{count}, (index, start, pixels) -> result[0] = pixels);
        return result[0];
    }

    /**
     * Reads consecutive ranges of images, {@code counts[0]} images from {@code first}, then {@code counts[1]} more, ...,
     * in one pass over the file, handing each range to {@code consumer} before reading the next. One pass matters
     * for .gz files, which cannot be seeked: a task that writes several shards decompresses up to its start once,
     * not once per shard.
     */
    public static void readConsecutive(IdxImagesFile images, Configuration conf, long first, int[] counts, RangeConsumer consumer) {
        long total = java.util.Arrays.stream(counts).asLongStream().sum();
        if (first < 0 || java.util.Arrays.stream(counts).anyMatch(c -> c < 0) || first + total > images.count()) {
            throw new IllegalArgumentException(images.uri() + ": images " + first + ".." + (first + total - 1)
                    + " are outside the file's " + images.count() + " images");
        }
        Path file = new Path(images.uri());
        long next = first;
        try (OpenedIdx opened = OpenedIdx.open(file, conf)) {
            long offset = images.offsetOf(first);
            if (opened.gzipped) {
                opened.stream.skipNBytes(offset);
            } else {
                opened.raw.seek(offset);
            }
            for (int range = 0; range < counts.length; range++) {
                byte[] pixels = new byte[Math.multiplyExact(counts[range], images.imageBytes())];
                int read = opened.stream.readNBytes(pixels, 0, pixels.length);
                if (read < pixels.length) {
                    throw new DataPrepException(file + ": truncated: expected " + pixels.length + " bytes of images " + next + ".."
                            + (next + counts[range] - 1) + " at offset " + images.offsetOf(next) + ", found " + read);
                }
                consumer.accept(range, next, pixels);
                next += counts[range];
            }
        } catch (EOFException e) {
            throw new DataPrepException(file + ": truncated: ended before images " + next + ".." + (first + total - 1)
                    + " (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw ioFailure(file, e);
        }
    }

    private static int readHeaderInt(DataInputStream in, Path file, int headerBytes) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new DataPrepException(file + ": too short for an IDX header: expected " + headerBytes + " header bytes, the file ended before", e);
        }
    }

    private static void checkPayloadLength(Path file, long expected, long found, String what, boolean gzipped) {
        String content = gzipped ? "decompressed bytes" : "bytes";
        if (found < expected) {
            throw new DataPrepException(file + ": truncated: the header promises " + what + " = " + expected + " " + content
                    + " after the header, found " + found);
        }
        if (found > expected) {
            throw new DataPrepException(file + ": too long: the header promises " + what + " = " + expected + " " + content
                    + " after the header, found " + found);
        }
    }

    /** Reads to the end, counting bytes; a gzip stream that ends early throws EOFException. */
    private static long countRemaining(InputStream in, Path file) throws IOException {
        byte[] buffer = new byte[BUFFER_BYTES];
        long total = 0;
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                total += n;
            }
        } catch (EOFException e) {
            throw new DataPrepException(file + ": truncated gzip stream: it ended after " + total
                    + " decompressed bytes past the header, before its end marker", e);
        }
        return total;
    }

    private static DataPrepException wrongMagic(Path file, int found, int expected, String meaning) {
        String hint = found == IMAGES_MAGIC ? " (an IDX images file)" : found == LABELS_MAGIC ? " (an IDX labels file)" : "";
        return new DataPrepException(String.format("%s: wrong magic number: expected 0x%08x (%s), found 0x%08x%s",
                file, expected, meaning, found, hint));
    }

    private static DataPrepException truncatedGzip(Path file, EOFException e) {
        return new DataPrepException(file + ": truncated gzip stream: " + e.getMessage(), e);
    }

    private static DataPrepException ioFailure(Path file, IOException e) {
        if (e instanceof FileNotFoundException) {
            return new DataPrepException(file + ": no such file", e);
        }
        if (e instanceof ZipException) {
            return new DataPrepException(file + ": corrupt gzip data: " + e.getMessage(), e);
        }
        return new DataPrepException(file + ": cannot read: " + e, e);
    }

    /** An IDX file opened for reading: the decoded stream (decompressed if gzip) and the raw one to seek in. */
    private static final class OpenedIdx implements AutoCloseable {
        final FSDataInputStream raw;
        final InputStream stream;
        final boolean gzipped;
        final long length;

        private OpenedIdx(FSDataInputStream raw, InputStream stream, boolean gzipped, long length) {
            this.raw = raw;
            this.stream = stream;
            this.gzipped = gzipped;
            this.length = length;
        }

        static OpenedIdx open(Path file, Configuration conf) throws IOException {
            FileSystem fs = HadoopFiles.fileSystem(file, conf);
            long length = fs.getFileStatus(file).getLen();
            FSDataInputStream raw = fs.open(file, BUFFER_BYTES);
            try {
                boolean gzipped = raw.read() == GZIP_MAGIC_0 && raw.read() == GZIP_MAGIC_1;
                raw.seek(0);
                InputStream stream = gzipped ? new GZIPInputStream(raw, BUFFER_BYTES) : raw;
                return new OpenedIdx(raw, stream, gzipped, length);
            } catch (IOException | RuntimeException e) {
                raw.close();
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            stream.close();
        }
    }
}
