package org.sparkresnet.data.idx;

import java.util.Objects;

/**
 * One split of an MNIST-family dataset as IDX files: the prepared split's name ("train", "test") and the prefix
 * of its two IDX files ("train", "t10k"), which may also carry a ".gz" suffix.
 */
public record IdxSplit(String split, String filePrefix) {
    public static final String GZIP_SUFFIX = ".gz";

    public IdxSplit {
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(filePrefix, "filePrefix");
        if (split.isBlank() || filePrefix.isBlank()) {
            throw new IllegalArgumentException("split and file prefix must not be blank, got '" + split + "', '" + filePrefix + "'");
        }
    }

    public String imagesFileName() {
        return filePrefix + "-images-idx3-ubyte";
    }

    public String labelsFileName() {
        return filePrefix + "-labels-idx1-ubyte";
    }
}
