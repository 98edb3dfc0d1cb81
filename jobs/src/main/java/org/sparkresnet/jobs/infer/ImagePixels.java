package org.sparkresnet.jobs.infer;

import org.apache.spark.sql.Row;
import org.sparkresnet.data.image.BadImageException;
import org.sparkresnet.data.image.ImageDecoder;
import org.sparkresnet.data.image.ImagePreprocessing;
import org.sparkresnet.model.InputShape;
import org.sparkresnet.model.record.ModelRecord;

/**
 * Turns one input value into the model's input pixels, uint8 CHW, as the model's record says its training images were
 * made: shorter side to {@code resize}, centre crop {@code imageSize} (a model trained on data stored as found, such as
 * IDX files, takes images scaled and cropped to its input side); one-channel models get the luminance of the RGB
 * pixels (0.299 R + 0.587 G + 0.114 B, as OpenCV's RGB2GRAY).
 */
final class ImagePixels {
    private final InputShape shape;
    private final ImageDecoder decoder;
    private final byte[] rgb;

    ImagePixels(ModelRecord record) {
        this.shape = record.input();
        if (shape.channels() != 1 && shape.channels() != 3) {
            throw new IllegalArgumentException("model " + record.model() + " takes " + shape + " input: only 1- and 3-channel images can be fed");
        }
        if (shape.height() != shape.width()) {
            throw new IllegalArgumentException("model " + record.model() + " takes " + shape + " input: only square inputs are supported");
        }
        ImagePreprocessing preprocessing = record.storedAsFound()
                ? new ImagePreprocessing(shape.height(), shape.height())
                : new ImagePreprocessing(record.imageSize(), record.resize());
        this.decoder = new ImageDecoder(preprocessing);
        this.rgb = new byte[preprocessing.bytesPerImage()];
    }

    int bytesPerImage() {
        return shape.channels() * shape.height() * shape.width();
    }

    /**
     * Writes the pixels of {@code value} (an image struct, file bytes, or pixels as the model takes them) into
     * {@code out[offset ..]}.
     *
     * @throws BadImageException when the value is not an image the model can take; the message says why
     */
    void into(InputKind kind, Object value, byte[] out, int offset) throws BadImageException {
        if (value == null) {
            throw new BadImageException("no image (null)");
        }
        switch (kind) {
            case PIXELS -> {
                byte[] pixels = (byte[]) value;
                if (pixels.length != bytesPerImage()) {
                    throw new BadImageException(pixels.length + " pixel bytes, the model's " + shape + " input takes " + bytesPerImage());
                }
                System.arraycopy(pixels, 0, out, offset, pixels.length);
            }
            case ENCODED -> {
                decoder.decodeInto((byte[]) value, rgb, 0);
                toModelChannels(out, offset);
            }
            case IMAGE_STRUCT -> {
                Row image = (Row) value;
                int height = image.getInt(image.fieldIndex("height"));
                int width = image.getInt(image.fieldIndex("width"));
                int channels = image.getInt(image.fieldIndex("nChannels"));
                byte[] data = (byte[]) image.get(image.fieldIndex("data"));
                if (height <= 0 || width <= 0 || data == null || data.length == 0) {
                    throw new BadImageException("not a decodable image (Spark's image data source could not read it)");
                }
                decoder.preprocessDecodedInto(data, width, height, channels, rgb, 0);
                toModelChannels(out, offset);
            }
            default -> throw new IllegalStateException(kind.toString());
        }
    }

    private void toModelChannels(byte[] out, int offset) {
        if (shape.channels() == 3) {
            System.arraycopy(rgb, 0, out, offset, rgb.length);
            return;
        }
        int plane = shape.height() * shape.width();
        for (int p = 0; p < plane; p++) {
            double grey = 0.299 * (rgb[p] & 0xFF) + 0.587 * (rgb[plane + p] & 0xFF) + 0.114 * (rgb[2 * plane + p] & 0xFF);
            out[offset + p] = (byte) Math.min(255, Math.round(grey));
        }
    }

    /** Where the value came from, for messages: an image struct's origin, else null. */
    static String origin(InputKind kind, Object value) {
        if (kind == InputKind.IMAGE_STRUCT && value instanceof Row image) {
            return image.getString(image.fieldIndex("origin"));
        }
        return null;
    }
}
