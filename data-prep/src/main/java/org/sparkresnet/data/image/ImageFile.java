package org.sparkresnet.data.image;

import java.io.Serializable;
import java.util.Objects;

/** One listed input image: its URI, class index and length in bytes (from the listing, so no extra call per file). */
public record ImageFile(String uri, int label, long length) implements Serializable {
    public ImageFile {
        Objects.requireNonNull(uri, "uri");
        if (label < 0 || length < 0) {
            throw new IllegalArgumentException(uri + ": label and length must be >= 0, got " + label + ", " + length);
        }
    }
}
