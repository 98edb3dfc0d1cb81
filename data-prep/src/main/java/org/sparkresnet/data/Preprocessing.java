package org.sparkresnet.data;

import org.sparkresnet.data.image.ImagePreprocessing;

import java.util.Objects;

/**
 * How a split's stored pixels were made, as recorded in its manifest.
 *
 * @param description     for people, e.g. "shorter side to 256 (...), centre crop 224x224"
 * @param decoder         what decoded the input files
 * @param resize          shorter side after scaling, 0 if images were stored as found (IDX)
 * @param imageSize       side of the stored centre crop, 0 if images were stored as found
 * @param fileOrderSeed   seed of the shuffle that spread classes over shards, -1 if files keep their input order
 */
public record Preprocessing(String description, String decoder, int resize, int imageSize, long fileOrderSeed) {
    public static final Preprocessing IDX_AS_STORED = new Preprocessing("IDX pixels as stored, no resize", "IDX reader", 0, 0, -1);

    public Preprocessing {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(decoder, "decoder");
        if (resize < 0 || imageSize < 0 || resize < imageSize) {
            throw new IllegalArgumentException("preprocessing: need 0 <= imageSize <= resize, got resize " + resize + ", imageSize " + imageSize);
        }
    }

    public static Preprocessing of(ImagePreprocessing image, long fileOrderSeed) {
        return new Preprocessing(image.describe(), ImagePreprocessing.DECODER, image.resize(), image.imageSize(), fileOrderSeed);
    }
}
