package org.sparkresnet.data.shard;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkresnet.data.DataPrepException;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.model.InputShape;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The shard file format: an ND4J {@link DataSet} as {@link DataSet#save} writes it, whose features are a UINT8 array
 * [n, c, h, w] (one byte per pixel, a quarter of float32) and whose labels are an INT32 array [n] of class indices.
 * Written by {@link ShardFileWriter} (the same bytes, the pixels in one piece), read by {@link DataSet#load}.
 * Decoding to normalised floats and one-hot labels happens when reading, see {@link Minibatches}.
 */
public final class ShardFormat {
    public static final String STORAGE = "uint8";
    private static final String FILE_PATTERN = "shard-%05d.bin";

    private ShardFormat() {
    }

    public static String fileName(int shardIndex) {
        if (shardIndex < 0) {
            throw new IllegalArgumentException("shard index must be >= 0, got " + shardIndex);
        }
        return String.format(FILE_PATTERN, shardIndex);
    }

    /**
     * Builds a raw shard from pixel bytes in NCHW order ({@code n * c * h * w} of them) and one class index byte per
     * example (unsigned).
     */
    public static DataSet encode(byte[] pixels, byte[] labels, InputShape shape) {
        return encode(pixels, classIndices(labels), shape);
    }

    /** One class index per unsigned label byte (IDX labels). */
    public static int[] classIndices(byte[] labels) {
        int[] classIndices = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            classIndices[i] = Byte.toUnsignedInt(labels[i]);
        }
        return classIndices;
    }

    /** Builds a raw shard from pixel bytes in NCHW order and one class index per example (any number of classes). */
    public static DataSet encode(byte[] pixels, int[] classIndices, InputShape shape) {
        int n = classIndices.length;
        long pixelsPerExample = (long) shape.channels() * shape.height() * shape.width();
        if (pixels.length != n * pixelsPerExample) {
            throw new IllegalArgumentException("expected " + n + " examples of " + shape + " = " + n * pixelsPerExample
                    + " pixel bytes, got " + pixels.length);
        }
        DataBuffer pixelBuffer = Nd4j.createBuffer(ByteBuffer.allocateDirect(pixels.length).order(ByteOrder.nativeOrder()).put(pixels).rewind(),
                DataType.UINT8, pixels.length);
        INDArray features = Nd4j.create(pixelBuffer, new long[] {n, shape.channels(), shape.height(), shape.width()});
        return new DataSet(features, Nd4j.createFromArray(classIndices.clone()));
    }

    /**
     * Writes a raw shard atomically (temporary name, then rename) from pixel bytes in NCHW order (the first
     * {@code classIndices.length} examples of {@code pixels}; it may hold more) and one class index per example.
     *
     * @return the shard's size in bytes
     */
    public static long write(byte[] pixels, int[] classIndices, InputShape shape, FileSystem fs, Path file) throws IOException {
        return HadoopFiles.writeAtomically(fs, file, out -> ShardFileWriter.write(pixels, classIndices, shape, out));
    }

    /** Writes a raw shard as {@link #encode} builds it; see {@link #write(byte[], int[], InputShape, FileSystem, Path)}. */
    public static long write(DataSet shard, FileSystem fs, Path file) throws IOException {
        long[] shape = shard.getFeatures().shape();
        if (shard.getFeatures().dataType() != DataType.UINT8 || shape.length != 4) {
            throw new IllegalArgumentException("not a raw shard: expected UINT8 features [n,c,h,w], found " + describe(shard.getFeatures()));
        }
        return write(Minibatches.pixelBytes(shard), shard.getLabels().toIntVector(),
                new InputShape((int) shape[1], (int) shape[2], (int) shape[3]), fs, file);
    }

    /** Reads a raw shard and checks it is one: UINT8 features [n,c,h,w] and INT32 class indices [n]. */
    public static DataSet read(Path file, Configuration conf) {
        DataSet shard = new DataSet();
        FileSystem fs = HadoopFiles.fileSystem(file, conf);
        try (FSDataInputStream in = fs.open(file)) {
            shard.load(new BufferedInputStream(in, 1 << 16));
        } catch (IOException | RuntimeException e) {
            throw new DataPrepException(file + ": cannot read shard: " + e.getMessage(), e);
        }
        INDArray features = shard.getFeatures();
        INDArray labels = shard.getLabels();
        if (features == null || labels == null || features.dataType() != DataType.UINT8 || features.rank() != 4
                || labels.rank() != 1 || labels.length() != features.size(0) || !labels.dataType().isIntType()) {
            throw new DataPrepException(file + ": not a " + STORAGE + " shard: expected UINT8 features [n,c,h,w] and integer labels [n], found "
                    + describe(features) + " and " + describe(labels));
        }
        return shard;
    }

    private static String describe(INDArray array) {
        return array == null ? "none" : array.dataType() + Arrays.toString(array.shape());
    }
}
