package org.sparkresnet.model;

/**
 * The layers before the first stage: a convolution of {@code width} filters, {@code kernel} x {@code kernel} at
 * {@code stride}, and optionally a 3x3/2 max pool.
 */
public record Stem(int width, int kernel, int stride, boolean maxPool) {
    /** 7x7/2 convolution with 64 filters, then a 3x3/2 max pool (ImageNet nets). */
    public static final Stem IMAGENET = new Stem(64, 7, 2, true);
    /** 3x3/1 convolution with 16 filters, no pool (the 6n+2 small-image nets). */
    public static final Stem SMALL_IMAGE = new Stem(16, 3, 1, false);

    public Stem {
        if (width < 1 || kernel < 1 || stride < 1) {
            throw new IllegalArgumentException("stem width, kernel and stride must be positive, got " + width + ", "
                    + kernel + ", " + stride);
        }
    }
}
