package org.sparkresnet.data.idx;

import java.io.Serializable;
import java.util.Objects;

/**
 * An IDX images file whose header and length {@link IdxReader#checkImages checked out}: where it is, whether it is
 * gzip-compressed, and how many images of which size it holds. Serializable so Spark tasks can read ranges of it.
 */
public record IdxImagesFile(String uri, boolean gzipped, int count, int rows, int cols) implements Serializable {
    /** magic number (4 bytes) + three dimension sizes (4 bytes each) */
    public static final int HEADER_BYTES = 16;

    public IdxImagesFile {
        Objects.requireNonNull(uri, "uri");
        if (count < 0 || rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException(uri + ": bad IDX images dimensions " + count + "x" + rows + "x" + cols);
        }
    }

    public int imageBytes() {
        return rows * cols;
    }

    public long payloadBytes() {
        return (long) count * imageBytes();
    }

    /** Where image {@code index} starts in the decoded file. */
    public long offsetOf(long index) {
        return HEADER_BYTES + index * imageBytes();
    }
}
