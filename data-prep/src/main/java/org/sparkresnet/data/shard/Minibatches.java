package org.sparkresnet.data.shard;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkresnet.model.InputShape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Turns raw shards (UINT8 pixels, class indices) into training minibatches: normalised FLOAT NCHW features and
 * one-hot FLOAT labels. Decoding is a plain loop over the pixel bytes: one pass, any example order, no dependence on
 * which ND4J ops support UINT8.
 */
public final class Minibatches {
    private Minibatches() {
    }

    /** The pixel bytes of a raw shard in NCHW order, {@code n * c * h * w} of them. */
    public static byte[] pixelBytes(DataSet rawShard) {
        INDArray features = rawShard.getFeatures();
        INDArray contiguous = features.isView() || features.ordering() != 'c' ? features.dup('c') : features;
        ByteBuffer buffer = contiguous.data().asNio();
        byte[] pixels = new byte[Math.toIntExact(contiguous.length())];
        buffer.get(pixels);
        return pixels;
    }

    /**
     * Decodes examples {@code order[from .. to-1]} of a raw shard: features {@code (x/255 - mean[c]) / std[c]} as
     * FLOAT [n,c,h,w], labels one-hot FLOAT [n, numClasses].
     */
    public static DataSet decode(DataSet rawShard, byte[] pixels, int[] order, int from, int to, Normalization normalization) {
        return decode(rawShard, pixels, order, from, to, normalization, null, null);
    }

    /** As {@link #decode(DataSet, byte[], int[], int, int, Normalization)}, each example augmented unless {@code augmentation} is null. */
    public static DataSet decode(DataSet rawShard, byte[] pixels, int[] order, int from, int to, Normalization normalization,
                                 Augmentation augmentation, Random random) {
        long[] shape = rawShard.getFeatures().shape();
        InputShape inputShape = new InputShape((int) shape[1], (int) shape[2], (int) shape[3]);
        INDArray classIndices = rawShard.getLabels();
        int exampleSize = (int) (shape[1] * shape[2] * shape[3]);
        int[] sources = new int[to - from];
        int[] classes = new int[to - from];
        for (int i = 0; i < sources.length; i++) {
            sources[i] = order[from + i] * exampleSize;
            classes[i] = classIndices.getInt(order[from + i]);
        }
        return decode(pixels, sources, classes, inputShape, normalization, augmentation, random);
    }

    /**
     * The core of decoding: example i's uint8 CHW pixels start at {@code pixels[sources[i]]} and its class is
     * {@code classes[i]}; features {@code (x/255 - mean[c]) / std[c]} (augmented unless {@code augmentation} is null)
     * as FLOAT [n,c,h,w], labels one-hot FLOAT [n, numClasses].
     */
    public static DataSet decode(byte[] pixels, int[] sources, int[] classes, InputShape shape, Normalization normalization,
                                 Augmentation augmentation, Random random) {
        int n = sources.length;
        int channels = shape.channels();
        int height = shape.height();
        int width = shape.width();
        int planeSize = height * width;
        int exampleSize = channels * planeSize;
        if (channels != normalization.channels()) {
            throw new IllegalArgumentException("shard has " + channels + " channels, the normalisation " + normalization.channels());
        }
        int numClasses = normalization.numClasses();
        float[] scale = new float[channels];
        float[] offset = new float[channels];
        for (int c = 0; c < channels; c++) {
            scale[c] = normalization.scale(c);
            offset[c] = normalization.offset(c);
        }
        // straight into the minibatch's off-heap buffer, one example at a time through a reused row: Nd4j.create(float[])
        // of a 3x224x224 minibatch cost more than the decoding itself
        INDArray features = Nd4j.createUninitialized(DataType.FLOAT, n, channels, height, width);
        FloatBuffer out = features.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
        float[] row = new float[exampleSize];
        float[] oneHot = new float[n * numClasses];
        for (int i = 0; i < n; i++) {
            int source = sources[i];
            if (classes[i] < 0 || classes[i] >= numClasses) {
                throw new IllegalArgumentException("class index " + classes[i] + " outside 0.." + (numClasses - 1));
            }
            oneHot[i * numClasses + classes[i]] = 1f;
            if (augmentation != null) {
                Augmentation.Window window = augmentation.draw(height, width, random);
                augmentation.apply(pixels, source, channels, height, width, window, scale, offset, row, 0);
            } else {
                for (int c = 0; c < channels; c++) {
                    float s = scale[c];
                    float o = offset[c];
                    int from = source + c * planeSize;
                    int to = c * planeSize;
                    for (int p = 0; p < planeSize; p++) {
                        row[to + p] = (pixels[from + p] & 0xFF) * s + o;
                    }
                }
            }
            out.put(i * exampleSize, row);
        }
        INDArray labels = Nd4j.create(oneHot, new long[] {n, numClasses}, DataType.FLOAT);
        return new DataSet(features, labels);
    }

    /** Splits a raw shard into decoded minibatches of {@code batchSize} (the last may be smaller), in {@code order}. */
    public static List<DataSet> split(DataSet rawShard, int[] order, int batchSize, Normalization normalization) {
        return split(rawShard, order, batchSize, normalization, null, null);
    }

    /** As {@link #split(DataSet, int[], int, Normalization)}, every example augmented unless {@code augmentation} is null. */
    public static List<DataSet> split(DataSet rawShard, int[] order, int batchSize, Normalization normalization,
                                      Augmentation augmentation, Random random) {
        byte[] pixels = pixelBytes(rawShard);
        List<DataSet> batches = new ArrayList<>();
        for (int from = 0; from < order.length; from += batchSize) {
            batches.add(decode(rawShard, pixels, order, from, Math.min(order.length, from + batchSize), normalization, augmentation, random));
        }
        return batches;
    }

    public static int[] inOrder(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        return order;
    }

    /** A Fisher-Yates permutation of 0..n-1, the same for the same seed. */
    public static int[] shuffled(int n, long seed) {
        int[] order = inOrder(n);
        Random random = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }
}
