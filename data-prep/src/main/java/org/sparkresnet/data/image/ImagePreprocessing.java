package org.sparkresnet.data.image;

import org.sparkresnet.model.InputShape;

import java.io.Serializable;

/**
 * How a decoded image becomes a stored example, the evaluation-time transform: scale so the shorter side is
 * {@code resize} pixels (aspect ratio kept), then cut the central {@code imageSize x imageSize} square, 3-channel RGB
 * uint8. Training-time augmentation happens later, when shards are read (see shard.Augmentation), so that one prepared
 * copy serves every epoch.
 */
public record ImagePreprocessing(int imageSize, int resize) implements Serializable {
    public static final int CHANNELS = 3;
    /** Why these two: area averaging avoids aliasing when shrinking; bilinear is smooth when enlarging. */
    public static final String INTERPOLATION = "area when shrinking, bilinear when enlarging";
    public static final String DECODER = "OpenCV imdecode (libjpeg-turbo, libpng), EXIF orientation ignored, RGB";

    public ImagePreprocessing {
        if (imageSize <= 0) {
            throw new IllegalArgumentException("image size must be > 0, got " + imageSize);
        }
        if (resize < imageSize) {
            throw new IllegalArgumentException("resize (shorter side) must be >= image size " + imageSize + " so the centre crop fits, got " + resize);
        }
    }

    public InputShape shape() {
        return new InputShape(CHANNELS, imageSize, imageSize);
    }

    public int bytesPerImage() {
        return CHANNELS * imageSize * imageSize;
    }

    /** Width and height after scaling a {@code width x height} image so that its shorter side is {@link #resize}. */
    public int[] resizedSize(int width, int height) {
        if (width <= height) {
            return new int[] {resize, Math.max(resize, (int) Math.round((double) height * resize / width))};
        }
        return new int[] {Math.max(resize, (int) Math.round((double) width * resize / height)), resize};
    }

    public String describe() {
        return "shorter side to " + resize + " (" + INTERPOLATION + "), centre crop " + imageSize + "x" + imageSize;
    }
}
