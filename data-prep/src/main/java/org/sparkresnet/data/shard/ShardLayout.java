package org.sparkresnet.data.shard;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.sparkresnet.data.DataPrepException;
import org.sparkresnet.model.InputShape;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.Serializable;

/**
 * Where a shard's examples lie in its file, so a reader can fetch any range of examples with one positioned read
 * instead of loading the whole shard: the byte offset of the first pixel, the bytes per example, the shape and
 * every example's class index. The layout is the one {@link ShardFileWriter} documents (DataSet.save's): a flags
 * byte, the features' shape-info buffer, the features' data-buffer header, n*c*h*w pixel bytes, then the labels
 * array (shape-info buffer and INT32 data buffer). ShardLayoutTest holds it to files written by DataSet.save too.
 */
public record ShardLayout(String file, long pixelOffset, int examples, InputShape shape, int[] classIndices) implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Enough for the flags byte, a rank-4 shape-info buffer and the pixel buffer's header (about 150 bytes). */
    private static final int HEADER_BYTES = 512;
    /** Data type names as ND4J writes them into a buffer's header. */
    private static final String INT32 = DataType.INT32.name();
    private static final String INT64 = DataType.INT64.name();

    public ShardLayout {
        classIndices = classIndices.clone();
    }

    public int exampleBytes() {
        return shape.channels() * shape.height() * shape.width();
    }

    @Override
    public int[] classIndices() {
        return classIndices.clone();
    }

    /** The class index of example {@code i}. */
    public int classIndex(int i) {
        return classIndices[i];
    }

    /** Reads the header and the labels of an open shard file of {@code length} bytes (two positioned reads). */
    public static ShardLayout read(Path file, FSDataInputStream in, long length) {
        try {
            byte[] head = new byte[(int) Math.min(HEADER_BYTES, length)];
            in.readFully(0, head);
            Counting header = new Counting(head);
            int flags = header.readUnsignedByte();
            if ((flags & 3) != 3) {
                throw new DataPrepException(file + ": not a shard: expected features and labels (flags 3), found flags " + flags);
            }
            long[] featureShape = readShape(header, file, "features");
            String pixelType = readBufferHeader(header, file, "features");
            if (featureShape.length != 4 || !DataType.UINT8.name().equals(pixelType)) {
                throw new DataPrepException(file + ": not a " + ShardFormat.STORAGE + " shard: features are " + pixelType
                        + java.util.Arrays.toString(featureShape) + ", expected UINT8 [n,c,h,w]");
            }
            int n = Math.toIntExact(featureShape[0]);
            InputShape shape = new InputShape((int) featureShape[1], (int) featureShape[2], (int) featureShape[3]);
            long pixelOffset = header.position();
            if (header.declaredLength != (long) n * shape.channels() * shape.height() * shape.width()) {
                throw new DataPrepException(file + ": features buffer holds " + header.declaredLength + " bytes, shape " + n + "x" + shape
                        + " needs " + (long) n * shape.channels() * shape.height() * shape.width());
            }
            long labelsOffset = pixelOffset + header.declaredLength;
            if (labelsOffset >= length) {
                throw new DataPrepException(file + ": truncated shard: " + length + " bytes, the pixels alone end at " + labelsOffset);
            }
            byte[] tail = new byte[Math.toIntExact(length - labelsOffset)];
            in.readFully(labelsOffset, tail);
            Counting labels = new Counting(tail);
            long[] labelShape = readShape(labels, file, "labels");
            String labelType = readBufferHeader(labels, file, "labels");
            if (labelShape.length != 1 || labelShape[0] != n || labels.declaredLength != n) {
                throw new DataPrepException(file + ": expected " + n + " labels, found shape " + java.util.Arrays.toString(labelShape));
            }
            int[] classes = new int[n];
            for (int i = 0; i < n; i++) {
                if (INT32.equals(labelType)) {
                    classes[i] = labels.readInt();
                } else if (INT64.equals(labelType)) {
                    classes[i] = Math.toIntExact(labels.readLong());
                } else {
                    throw new DataPrepException(file + ": labels are " + labelType + ", expected " + INT32 + " or " + INT64 + " class indices");
                }
            }
            return new ShardLayout(file.toString(), pixelOffset, n, shape, classes);
        } catch (EOFException e) {
            throw new DataPrepException(file + ": truncated shard (" + length + " bytes): " + e.getMessage(), e);
        } catch (IOException e) {
            throw new DataPrepException(file + ": cannot read shard header: " + e.getMessage(), e);
        }
    }

    /** Opens {@code file}, reads its layout and closes it. */
    public static ShardLayout read(Path file, FileSystem fs) {
        try (FSDataInputStream in = fs.open(file)) {
            return read(file, in, fs.getFileStatus(file).getLen());
        } catch (IOException e) {
            throw new DataPrepException(file + ": cannot read shard: " + e.getMessage(), e);
        }
    }

    /** Reads examples [from, to) into {@code target[offset ..]}: one positioned read of (to - from) x exampleBytes. */
    public void readExamples(FSDataInputStream in, int from, int to, byte[] target, int offset) {
        if (from < 0 || to > examples || from >= to) {
            throw new IllegalArgumentException(file + " holds examples 0.." + (examples - 1) + ", asked for [" + from + ", " + to + ")");
        }
        try {
            in.readFully(pixelOffset + (long) from * exampleBytes(), target, offset, (to - from) * exampleBytes());
        } catch (IOException e) {
            throw new DataPrepException(file + ": cannot read examples " + from + ".." + (to - 1) + ": " + e.getMessage(), e);
        }
    }

    /** A shape-info buffer (LONG): rank, then the dimensions (strides and flags follow and are skipped). */
    private static long[] readShape(Counting in, Path file, String what) throws IOException {
        String type = readBufferHeader(in, file, what + " shape");
        if (!INT64.equals(type) || in.declaredLength < 1 || in.declaredLength > 64) {
            throw new DataPrepException(file + ": " + what + " shape buffer is " + type + " of " + in.declaredLength + ", expected LONG");
        }
        long[] info = new long[(int) in.declaredLength];
        for (int i = 0; i < info.length; i++) {
            info[i] = in.readLong();
        }
        int rank = (int) info[0];
        if (rank < 0 || 1 + rank > info.length) {
            throw new DataPrepException(file + ": " + what + " shape info has rank " + rank);
        }
        return java.util.Arrays.copyOfRange(info, 1, 1 + rank);
    }

    /** A data buffer's header (allocation mode, length, type); leaves the length in {@code declaredLength}. */
    private static String readBufferHeader(Counting in, Path file, String what) throws IOException {
        in.readUTF(); // allocation mode
        in.declaredLength = in.readLong();
        return in.readUTF();
    }

    /** A DataInputStream over a byte array that knows how far it has read. */
    private static final class Counting extends DataInputStream {
        private final ByteArrayInputStream bytes;
        private final int size;
        long declaredLength;

        Counting(byte[] data) {
            this(new ByteArrayInputStream(data), data.length);
        }

        private Counting(ByteArrayInputStream bytes, int size) {
            super(bytes);
            this.bytes = bytes;
            this.size = size;
        }

        long position() {
            return size - bytes.available();
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShardLayout that && file.equals(that.file) && pixelOffset == that.pixelOffset && examples == that.examples
                && shape.equals(that.shape) && java.util.Arrays.equals(classIndices, that.classIndices);
    }

    @Override
    public int hashCode() {
        return file.hashCode() * 31 + Long.hashCode(pixelOffset);
    }

    @Override
    public String toString() {
        return "ShardLayout[" + file + ", " + examples + " x " + shape + " from byte " + pixelOffset + "]";
    }
}
