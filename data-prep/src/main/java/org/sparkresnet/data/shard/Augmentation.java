package org.sparkresnet.data.shard;

import java.io.Serializable;
import java.util.Random;

/**
 * Training-time augmentation applied while shards are read, so one prepared copy serves every epoch with new
 * variations: a random crop (as torchvision's RandomResizedCrop: a share of the stored image's area and an aspect
 * ratio, both drawn at random) resized back to the stored size, then a horizontal flip with probability 1/2.
 *
 * @param minScale smallest share of the stored image's area a crop covers, in (0, 1]
 * @param minRatio smallest width/height ratio of a crop; drawn log-uniformly between minRatio and maxRatio
 */
public record Augmentation(double minScale, double maxScale, double minRatio, double maxRatio, boolean horizontalFlip)
        implements Serializable {
    /** torchvision's ImageNet training defaults: scale (0.08, 1), ratio (3/4, 4/3), flip. */
    public static final Augmentation RANDOM_RESIZED_CROP_AND_FLIP = new Augmentation(0.08, 1.0, 3.0 / 4.0, 4.0 / 3.0, true);
    /** Only the horizontal flip: the stored image, mirrored half of the time. */
    public static final Augmentation FLIP_ONLY = new Augmentation(1.0, 1.0, 1.0, 1.0, true);

    private static final int ATTEMPTS = 10;

    public Augmentation {
        if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1)) {
            throw new IllegalArgumentException("augmentation scale must satisfy 0 < min <= max <= 1, got " + minScale + ", " + maxScale);
        }
        if (!(minRatio > 0 && minRatio <= maxRatio)) {
            throw new IllegalArgumentException("augmentation ratio must satisfy 0 < min <= max, got " + minRatio + ", " + maxRatio);
        }
    }

    /** A crop window inside a height x width image: top row, left column, height, width; and whether to mirror it. */
    record Window(int top, int left, int height, int width, boolean flip) {
    }

    /** Draws the window for one example, as torchvision does (10 attempts, then the largest centred crop in range). */
    Window draw(int height, int width, Random random) {
        double area = (double) height * width;
        double logMin = Math.log(minRatio);
        double logMax = Math.log(maxRatio);
        boolean flip = horizontalFlip && random.nextBoolean();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            double targetArea = area * (minScale + (maxScale - minScale) * random.nextDouble());
            double ratio = Math.exp(logMin + (logMax - logMin) * random.nextDouble());
            int w = (int) Math.round(Math.sqrt(targetArea * ratio));
            int h = (int) Math.round(Math.sqrt(targetArea / ratio));
            if (w > 0 && h > 0 && w <= width && h <= height) {
                return new Window(random.nextInt(height - h + 1), random.nextInt(width - w + 1), h, w, flip);
            }
        }
        double ratio = (double) width / height;
        int w = width;
        int h = height;
        if (ratio < minRatio) {
            h = (int) Math.round(w / minRatio);
        } else if (ratio > maxRatio) {
            w = (int) Math.round(h * maxRatio);
        }
        return new Window((height - h) / 2, (width - w) / 2, h, w, flip);
    }

    /**
     * Writes one augmented, normalised example: the window of {@code pixels[source ..]} (CHW uint8) resampled
     * bilinearly to height x width into {@code out[target ..]} as {@code x * scale[c] + offset[c]}.
     */
    void apply(byte[] pixels, int source, int channels, int height, int width, Window window, float[] scale, float[] offset,
               float[] out, int target) {
        int plane = height * width;
        double stepY = (double) window.height() / height;
        double stepX = (double) window.width() / width;
        int[] x0 = new int[width];
        int[] x1 = new int[width];
        float[] fx = new float[width];
        for (int x = 0; x < width; x++) {
            int column = window.flip() ? width - 1 - x : x;
            double sx = Math.min(Math.max(window.left() + (column + 0.5) * stepX - 0.5, window.left()), window.left() + window.width() - 1);
            x0[x] = (int) sx;
            x1[x] = Math.min(x0[x] + 1, window.left() + window.width() - 1);
            fx[x] = (float) (sx - x0[x]);
        }
        for (int y = 0; y < height; y++) {
            double sy = Math.min(Math.max(window.top() + (y + 0.5) * stepY - 0.5, window.top()), window.top() + window.height() - 1);
            int y0 = (int) sy;
            int y1 = Math.min(y0 + 1, window.top() + window.height() - 1);
            float fy = (float) (sy - y0);
            for (int c = 0; c < channels; c++) {
                int row0 = source + c * plane + y0 * width;
                int row1 = source + c * plane + y1 * width;
                int outRow = target + c * plane + y * width;
                for (int x = 0; x < width; x++) {
                    float top = (pixels[row0 + x0[x]] & 0xFF) * (1 - fx[x]) + (pixels[row0 + x1[x]] & 0xFF) * fx[x];
                    float bottom = (pixels[row1 + x0[x]] & 0xFF) * (1 - fx[x]) + (pixels[row1 + x1[x]] & 0xFF) * fx[x];
                    out[outRow + x] = (top * (1 - fy) + bottom * fy) * scale[c] + offset[c];
                }
            }
        }
    }
}
