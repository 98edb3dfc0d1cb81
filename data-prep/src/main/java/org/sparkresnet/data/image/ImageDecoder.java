package org.sparkresnet.data.image;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.split;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_2;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_4;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_8;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGRA2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_GRAY2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * Turns the bytes of an image file (JPEG, PNG, BMP, TIFF, WebP: whatever OpenCV recognises by content, whatever the
 * file is called) into one stored example: RGB uint8 in CHW order, transformed by {@link ImagePreprocessing}.
 * Grayscale and CMYK images come out as 3-channel RGB, 16-bit PNGs as 8-bit, alpha is dropped. Stateless; safe to
 * use from several threads.
 */
public final class ImageDecoder {
    private static final int IGNORE_ORIENTATION = IMREAD_IGNORE_ORIENTATION; // as PIL/torchvision: pixels as stored

    static {
        // Spark already runs one task per core: OpenCV's own thread pool on top would only oversubscribe the cores
        // (and make the benchmark's single-thread figure use more than one core).
        org.bytedeco.opencv.global.opencv_core.setNumThreads(1);
    }

    private final ImagePreprocessing preprocessing;

    public ImageDecoder(ImagePreprocessing preprocessing) {
        this.preprocessing = preprocessing;
    }

    /**
     * Decodes {@code data} into {@code out[offset .. offset + bytesPerImage)}.
     *
     * @throws BadImageException if the bytes are empty, not an image OpenCV can decode, or a truncated JPEG
     */
    public void decodeInto(byte[] data, byte[] out, int offset) throws BadImageException {
        if (data.length == 0) {
            throw new BadImageException("empty file (0 bytes)");
        }
        int flags = IMREAD_COLOR | IGNORE_ORIENTATION;
        if (JpegStructure.isJpeg(data)) {
            JpegStructure.Info jpeg = JpegStructure.inspect(data);
            if (!jpeg.complete()) {
                throw new BadImageException("truncated JPEG: no end-of-image marker after " + data.length + " bytes");
            }
            flags = reducedDecodeFlags(Math.min(jpeg.width(), jpeg.height())) | IGNORE_ORIENTATION;
        }
        try (PointerScope scope = new PointerScope()) {
            Mat encoded = new Mat(1, data.length, CV_8UC1, new BytePointer(data));
            Mat image = imdecode(encoded, flags);
            if (image == null || image.empty()) {
                throw new BadImageException("not a decodable image (" + data.length + " bytes, starting " + hexPrefix(data) + ")");
            }
            if (image.type() != CV_8UC3) {
                throw new BadImageException("decoder returned OpenCV type " + image.type() + ", expected 8-bit 3-channel");
            }
            copyCentreCropAsRgbChw(scaleShorterSide(image), out, offset);
        }
    }

    /**
     * As {@link #decodeInto}, for pixels another decoder already produced, e.g. Spark's image data source: 8-bit rows
     * (HWC) of grey (1 channel), BGR (3) or BGRA (4) at the image's own size, scaled and centre-cropped the same way.
     *
     * @throws BadImageException if the sizes do not describe {@code pixels} or the channel count is not 1, 3 or 4
     */
    public void preprocessDecodedInto(byte[] pixels, int width, int height, int channels, byte[] out, int offset) throws BadImageException {
        if (width <= 0 || height <= 0 || (channels != 1 && channels != 3 && channels != 4) || pixels.length != (long) width * height * channels) {
            throw new BadImageException("not a decoded 8-bit image: " + width + "x" + height + " with " + channels + " channels in "
                    + pixels.length + " bytes");
        }
        try (PointerScope scope = new PointerScope()) {
            Mat image = new Mat(height, width, CV_8UC(channels), new BytePointer(pixels));
            if (channels != 3) {
                Mat bgr = new Mat();
                cvtColor(image, bgr, channels == 1 ? COLOR_GRAY2BGR : COLOR_BGRA2BGR);
                image = bgr;
            }
            copyCentreCropAsRgbChw(scaleShorterSide(image), out, offset);
        }
    }

    /** Byte size of one decoded example. */
    public int bytesPerImage() {
        return preprocessing.bytesPerImage();
    }

    /**
     * libjpeg can decode at 1/2, 1/4 or 1/8 scale in the DCT domain, several times faster than decoding a huge photo
     * fully; used only while the reduced shorter side still is at least the resize target, so quality is kept.
     */
    private int reducedDecodeFlags(int shorterSide) {
        int target = preprocessing.resize();
        if (shorterSide >= 8 * target) {
            return IMREAD_REDUCED_COLOR_8;
        }
        if (shorterSide >= 4 * target) {
            return IMREAD_REDUCED_COLOR_4;
        }
        if (shorterSide >= 2 * target) {
            return IMREAD_REDUCED_COLOR_2;
        }
        return IMREAD_COLOR;
    }

    private Mat scaleShorterSide(Mat image) {
        int[] size = preprocessing.resizedSize(image.cols(), image.rows());
        if (size[0] == image.cols() && size[1] == image.rows()) {
            return image;
        }
        Mat resized = new Mat();
        int interpolation = size[0] < image.cols() ? INTER_AREA : INTER_LINEAR;
        resize(image, resized, new Size(size[0], size[1]), 0, 0, interpolation);
        return resized;
    }

    /**
     * OpenCV holds BGR, row by row (HWC); shards hold RGB planes (CHW). OpenCV's split writes the crop's channels
     * straight into three planes stacked R, G, B in one native buffer, which then is one copy into {@code out}.
     */
    private void copyCentreCropAsRgbChw(Mat image, byte[] out, int offset) {
        int crop = preprocessing.imageSize();
        Mat roi = new Mat(image, new Rect((image.cols() - crop) / 2, (image.rows() - crop) / 2, crop, crop));
        Mat planes = new Mat(3 * crop, crop, CV_8UC1);
        // whole-row ranges of a continuous Mat are continuous, so split fills them in place instead of reallocating
        split(roi, new MatVector(planes.rowRange(2 * crop, 3 * crop), planes.rowRange(crop, 2 * crop), planes.rowRange(0, crop)));
        planes.data().get(out, offset, 3 * crop * crop);
    }

    private static String hexPrefix(byte[] data) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(4, data.length); i++) {
            hex.append(String.format("%02x", data[i] & 0xFF));
        }
        return hex.toString();
    }
}
