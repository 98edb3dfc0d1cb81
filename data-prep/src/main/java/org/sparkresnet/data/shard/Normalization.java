package org.sparkresnet.data.shard;

import org.sparkresnet.data.DatasetSpec;

import java.io.Serializable;
import java.util.Arrays;

/**
 * What decoding a shard needs from the {@link DatasetSpec}: per-channel mean and std and the number of classes.
 * A separate serializable value because Spark tasks carry it and the spec (its InputShape) is not Serializable.
 */
public record Normalization(float[] mean, float[] std, int numClasses) implements Serializable {
    public Normalization {
        if (mean.length != std.length || numClasses < 2) {
            throw new IllegalArgumentException("need as many means as stds and >= 2 classes, got " + Arrays.toString(mean) + ", "
                    + Arrays.toString(std) + ", " + numClasses);
        }
        mean = mean.clone();
        std = std.clone();
    }

    public static Normalization of(DatasetSpec spec) {
        return new Normalization(spec.mean(), spec.std(), spec.numClasses());
    }

    public int channels() {
        return mean.length;
    }

    /** The factor {@code s} in {@code (x/255 - mean)/std = x * s + o} for channel c. */
    float scale(int c) {
        return 1f / (255f * std[c]);
    }

    /** The offset {@code o} in {@code (x/255 - mean)/std = x * s + o} for channel c. */
    float offset(int c) {
        return -mean[c] / std[c];
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Normalization that && Arrays.equals(mean, that.mean) && Arrays.equals(std, that.std) && numClasses == that.numClasses;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(mean) + Arrays.hashCode(std)) + numClasses;
    }

    @Override
    public String toString() {
        return "Normalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + ", numClasses=" + numClasses + "]";
    }
}
