package org.sparkresnet.jobs.infer;

import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;
import java.util.Locale;

/** What the Transformer's input column holds. */
public enum InputKind {
    /** An image struct from {@code spark.read.format("image")}: BGR(A) or grey rows, decoded at the image's own size. */
    IMAGE_STRUCT,
    /** The bytes of an image file (binaryFile's {@code content}): JPEG, PNG, BMP, TIFF, WebP, decoded with OpenCV. */
    ENCODED,
    /** Pixels already resized and cropped to the model's input: uint8 CHW (RGB), as a prepared split's shards hold them. */
    PIXELS;

    /** The image data source's fields this reads (Spark's ImageSchema.columnSchema). */
    static final String[] IMAGE_FIELDS = {"origin", "height", "width", "nChannels", "data"};

    /** The values of the Transformer's inputFormat param. */
    public static final String AUTO = "auto";
    public static final String PIXELS_FORMAT = "pixels";

    /**
     * The kind of {@code type} for the inputFormat {@code format}.
     *
     * @throws IllegalArgumentException naming the column and what it should be
     */
    static InputKind of(String column, DataType type, String format) {
        if (PIXELS_FORMAT.equals(format.toLowerCase(Locale.ROOT))) {
            if (type instanceof BinaryType) {
                return PIXELS;
            }
            throw new IllegalArgumentException("input column '" + column + "' must be binary (uint8 CHW pixels) for inputFormat "
                    + PIXELS_FORMAT + ", got " + type.simpleString());
        }
        if (type instanceof BinaryType) {
            return ENCODED;
        }
        if (type instanceof StructType struct && Arrays.stream(IMAGE_FIELDS).allMatch(f -> Arrays.asList(struct.fieldNames()).contains(f))) {
            return IMAGE_STRUCT;
        }
        throw new IllegalArgumentException("input column '" + column + "' must be an image struct (spark.read.format(\"image\")) or"
                + " binary image file bytes (spark.read.format(\"binaryFile\")'s content), got " + type.simpleString());
    }
}
