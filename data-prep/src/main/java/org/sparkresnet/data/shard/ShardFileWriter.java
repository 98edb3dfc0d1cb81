package org.sparkresnet.data.shard;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkresnet.model.InputShape;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a shard in exactly the bytes ND4J's {@code DataSet.save} writes for a UINT8 features array and an INT32
 * labels array, so {@code DataSet.load} (and so {@link ShardFormat#read}) reads it unchanged; but the pixels go out
 * as one bulk write. {@code DataSet.save} writes them one element at a time through the buffer's indexer, which took
 * as long as decoding the JPEGs did (a 128-image 3x224x224 shard is 19 MB).
 *
 * <p>The layout, from nd4j-api 1.0.0-M2.1 ({@code DataSet.save}, {@code Nd4j.write}, {@code BaseDataBuffer.write}):
 * one byte of flags (features present, labels present); then each array as its shape-info buffer followed by its data
 * buffer, each buffer as {@code writeUTF(allocation mode)}, {@code writeLong(length)}, {@code writeUTF(data type)}
 * and the elements big-endian (one byte each for UINT8). ShardFileWriterTest checks the bytes against
 * {@code DataSet.save}, so an ND4J upgrade that changes them fails there.
 */
final class ShardFileWriter {
    /** DataSet's private BITMASK_FEATURES_PRESENT and BITMASK_LABELS_PRESENT. */
    private static final int FEATURES_AND_LABELS_PRESENT = 1 | 2;
    /** What every ND4J data buffer reports as its allocation mode (and what BaseDataBuffer.read expects). */
    private static final String ALLOCATION_MODE = DataBuffer.AllocationMode.MIXED_DATA_TYPES.name();

    private ShardFileWriter() {
    }

    /**
     * Writes {@code pixels[0 .. n*c*h*w)} as features [n,c,h,w] (NCHW order; the array may be longer, the rest is
     * ignored) and {@code classIndices} (n of them) as labels [n].
     */
    static void write(byte[] pixels, int[] classIndices, InputShape shape, OutputStream out) throws IOException {
        int n = classIndices.length;
        long[] featureShape = {n, shape.channels(), shape.height(), shape.width()};
        long length = (long) n * shape.channels() * shape.height() * shape.width();
        if (pixels.length < length) {
            throw new IllegalArgumentException("expected " + n + " examples of " + shape + " = " + length + " pixel bytes, got " + pixels.length);
        }
        DataOutputStream data = new DataOutputStream(out);
        data.writeByte(FEATURES_AND_LABELS_PRESENT);
        DataBuffer shapeInfo = Nd4j.getShapeInfoProvider().createShapeInformation(featureShape, 'c', DataType.UINT8).getFirst();
        shapeInfo.write(data); // a few longs
        data.writeUTF(ALLOCATION_MODE);
        data.writeLong(length);
        data.writeUTF(DataType.UINT8.name());
        data.write(pixels, 0, Math.toIntExact(length));
        Nd4j.write(Nd4j.createFromArray(classIndices), data); // n ints: small, ND4J's own writer is fine
        data.flush();
    }
}
