package org.sparkresnet.data;

import java.io.Serializable;
import java.util.Objects;

/** An input the prepare job left out under --skip-bad: the file (or class folder) URI and what was wrong with it. */
public record SkippedFile(String file, String reason) implements Serializable {
    public SkippedFile {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
        return file + ": " + reason;
    }
}
