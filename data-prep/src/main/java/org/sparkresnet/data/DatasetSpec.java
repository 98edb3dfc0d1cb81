package org.sparkresnet.data;

import org.sparkresnet.data.idx.IdxSplit;
import org.sparkresnet.model.InputShape;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one place for a dataset's facts: input shape, class names, per-channel mean and std (on the 0..1 pixel scale,
 * used to normalise features as (x/255 - mean) / std) and the IDX files its splits come from.
 */
public record DatasetSpec(String name, InputShape shape, List<String> labelNames, float[] mean, float[] std) {

    /** MNIST and Fashion-MNIST ship the same four IDX file names: train-* is the training split, t10k-* the test split. */
    public static final List<IdxSplit> MNIST_FAMILY_SPLITS = List.of(new IdxSplit("train", "train"), new IdxSplit("test", "t10k"));

    public static final DatasetSpec FASHION_MNIST = new DatasetSpec("fashion-mnist", new InputShape(1, 28, 28),
            List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
            // measured over the 60,000 training images (DatasetSpecTest re-measures them when the data is installed)
            new float[] {0.2860f}, new float[] {0.3530f});

    public static final DatasetSpec MNIST = new DatasetSpec("mnist", new InputShape(1, 28, 28),
            List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
            new float[] {0.1307f}, new float[] {0.3081f});

    private static final Map<String, DatasetSpec> KNOWN = known(FASHION_MNIST, MNIST);

    public DatasetSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(labelNames, "labelNames");
        Objects.requireNonNull(mean, "mean");
        Objects.requireNonNull(std, "std");
        if (name.isBlank()) {
            throw new IllegalArgumentException("dataset name must not be blank");
        }
        labelNames = List.copyOf(labelNames);
        if (labelNames.size() < 2) {
            throw new IllegalArgumentException("dataset " + name + " needs at least 2 classes, got " + labelNames);
        }
        if (mean.length != shape.channels() || std.length != shape.channels()) {
            throw new IllegalArgumentException("dataset " + name + ": mean and std need one value per channel (" + shape.channels()
                    + "), got " + mean.length + " and " + std.length);
        }
        for (float s : std) {
            if (!(s > 0f)) {
                throw new IllegalArgumentException("dataset " + name + ": std must be > 0, got " + Arrays.toString(std));
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** @throws IllegalArgumentException naming the known datasets if {@code name} is not one of them */
    public static DatasetSpec byName(String name) {
        DatasetSpec spec = name == null ? null : KNOWN.get(name.trim().toLowerCase());
        if (spec == null) {
            throw new IllegalArgumentException("unknown dataset '" + name + "', known: " + String.join(", ", knownNames()));
        }
        return spec;
    }

    public static List<String> knownNames() {
        return List.copyOf(KNOWN.keySet());
    }

    public int numClasses() {
        return labelNames.size();
    }

    /** The IDX splits the prepare job reads for this dataset. */
    public List<IdxSplit> idxSplits() {
        return MNIST_FAMILY_SPLITS;
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
        return other instanceof DatasetSpec that && name.equals(that.name) && shape.equals(that.shape)
                && labelNames.equals(that.labelNames) && Arrays.equals(mean, that.mean) && Arrays.equals(std, that.std);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, shape, labelNames, Arrays.hashCode(mean), Arrays.hashCode(std));
    }

    @Override
    public String toString() {
        return "DatasetSpec[" + name + ", " + shape + ", " + numClasses() + " classes, mean=" + Arrays.toString(mean)
                + ", std=" + Arrays.toString(std) + "]";
    }

    private static Map<String, DatasetSpec> known(DatasetSpec... specs) {
        Map<String, DatasetSpec> byName = new LinkedHashMap<>();
        for (DatasetSpec spec : specs) {
            byName.put(spec.name(), spec);
        }
        return byName;
    }
}
