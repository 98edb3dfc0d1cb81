package org.sparkresnet.jobs;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the tests find real Fashion-MNIST: the Debian package dataset-fashion-mnist, which .ci/run installs. */
public final class FashionMnist {
    public static final Path DIR = Path.of(System.getProperty("fashion.mnist.dir", "/usr/share/datasets/fashion-mnist"));

    private FashionMnist() {
    }

    public static Path requireDir() {
        if (!Files.exists(DIR.resolve("train-images-idx3-ubyte.gz"))) {
            throw new IllegalStateException("Fashion-MNIST not found in " + DIR
                    + ": install it with 'apt-get install dataset-fashion-mnist' or set -Dfashion.mnist.dir");
        }
        return DIR;
    }
}
