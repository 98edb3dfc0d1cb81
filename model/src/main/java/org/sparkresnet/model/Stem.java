package org.sparkresnet.model;

/** The layers before the first stage. */
public enum Stem {
    /** 7x7/2 convolution with 64 filters, then a 3x3/2 max pool (ImageNet nets). */
    IMAGENET(64, 7, 2, true),
    /** 3x3/1 convolution with 16 filters, no pool (the 6n+2 small-image nets). */
    SMALL_IMAGE(16, 3, 1, false);

    private final int width;
    private final int kernel;
    private final int stride;
    private final boolean maxPool;

    Stem(int width, int kernel, int stride, boolean maxPool) {
        this.width = width;
        this.kernel = kernel;
        this.stride = stride;
        this.maxPool = maxPool;
    }

    public int width() {
        return width;
    }

    public int kernel() {
        return kernel;
    }

    public int stride() {
        return stride;
    }

    public boolean maxPool() {
        return maxPool;
    }
}
