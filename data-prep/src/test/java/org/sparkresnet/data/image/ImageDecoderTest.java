package org.sparkresnet.data.image;

import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageDecoderTest {
    private static final ImagePreprocessing SMALL = new ImagePreprocessing(32, 36);
    private static final ImageDecoder DECODER = new ImageDecoder(SMALL);

    @Test
    void colourJpegBecomesRgbPlanes() throws Exception {
        assertMeanColour(decode(TestImages.jpeg(TestImages.solid(120, 90, new Color(200, 40, 90)))), 200, 40, 90, 3);
    }

    @Test
    void grayscaleJpegBecomesThreeEqualChannels() throws Exception {
        assertMeanColour(decode(TestImages.grayJpeg(50, 70, 77)), 77, 77, 77, 2);
    }

    @Test
    void cmykJpegBecomesRgb() throws Exception {
        // javax.imageio stores the raster as given; libjpeg reads Adobe CMYK inverted: 255 = no ink.
        // ink: cyan none, magenta full, yellow full, black none -> red
        assertMeanColour(decode(TestImages.cmykJpeg(64, 48, 255, 0, 0, 255)), 255, 0, 0, 6);
    }

    @Test
    void pngBehindAJpegNameDecodesByContent() throws Exception {
        byte[] png = TestImages.png(TestImages.solid(40, 40, new Color(10, 200, 30)));
        assertEquals((byte) 0x89, png[0]);
        assertMeanColour(decode(png), 10, 200, 30, 0);
    }

    @Test
    void tinyAndHugeImagesScaleToTheStoredSize() throws Exception {
        assertMeanColour(decode(TestImages.png(TestImages.solid(1, 1, new Color(5, 6, 250)))), 5, 6, 250, 0);
        // 4000x3000: decoded at 1/8 scale by libjpeg (3000/8 >= 36), then resized
        assertMeanColour(decode(TestImages.jpeg(TestImages.solid(4000, 3000, new Color(250, 250, 10)), 0.8f)), 250, 250, 10, 3);
    }

    @Test
    void resizesTheShorterSideThenCropsTheCentre() throws Exception {
        // 400x200 -> 72x36 (shorter side 36) -> centre 32x32 = columns 20..51 of 72: inside the middle half (18..53)
        byte[] image = TestImages.png(TestImages.stripes(400, 200, Color.RED, Color.GREEN, Color.BLUE));
        byte[] out = decode(image);
        assertMeanColour(out, 0, 255, 0, 0);
        // portrait works the same way: 100x300 -> 36x108, centre crop of a solid image
        assertMeanColour(decode(TestImages.png(TestImages.solid(100, 300, Color.MAGENTA))), 255, 0, 255, 0);
        // a square image shrunk to the crop size keeps its left and right stripes
        byte[] wide = new byte[3 * 36 * 36];
        new ImageDecoder(new ImagePreprocessing(36, 36)).decodeInto(TestImages.png(TestImages.stripes(144, 144, Color.RED, Color.GREEN, Color.BLUE)), wide, 0);
        assertEquals(255, wide[0] & 0xFF, "top-left is red");
        assertEquals(255, wide[2 * 36 * 36 + 35] & 0xFF, "top-right is blue");
    }

    @Test
    void writesAtTheOffsetGiven() throws Exception {
        byte[] out = new byte[2 * SMALL.bytesPerImage()];
        DECODER.decodeInto(TestImages.png(TestImages.solid(8, 8, Color.WHITE)), out, SMALL.bytesPerImage());
        assertTrue(allEqual(Arrays.copyOf(out, SMALL.bytesPerImage()), 0), "the first example is untouched");
        assertTrue(allEqual(Arrays.copyOfRange(out, SMALL.bytesPerImage(), out.length), 255), "the second is white");
    }

    @Test
    void badFilesSayWhatIsWrong() throws Exception {
        byte[] jpeg = TestImages.jpeg(TestImages.photoLike(200, 150, 1));
        BadImageException truncated = assertThrows(BadImageException.class, () -> decode(Arrays.copyOf(jpeg, jpeg.length / 2)));
        assertEquals("truncated JPEG: no end-of-image marker after " + jpeg.length / 2 + " bytes", truncated.getMessage());
        BadImageException empty = assertThrows(BadImageException.class, () -> decode(new byte[0]));
        assertEquals("empty file (0 bytes)", empty.getMessage());
        BadImageException text = assertThrows(BadImageException.class, () -> decode("hello, not an image".getBytes()));
        assertEquals("not a decodable image (19 bytes, starting 68656c6c)", text.getMessage());
        byte[] png = TestImages.png(TestImages.photoLike(64, 64, 2));
        BadImageException truncatedPng = assertThrows(BadImageException.class, () -> decode(Arrays.copyOf(png, png.length / 2)));
        assertTrue(truncatedPng.getMessage().startsWith("not a decodable image"), truncatedPng.getMessage());
    }

    @Test
    void completeJpegWithTrailingBytesIsAccepted() throws Exception {
        byte[] jpeg = TestImages.jpeg(TestImages.solid(30, 30, Color.ORANGE));
        byte[] padded = Arrays.copyOf(jpeg, jpeg.length + 100); // some cameras pad files with zeros after EOI
        assertMeanColour(decode(padded), 255, 200, 0, 4);
    }

    private static byte[] decode(byte[] file) throws BadImageException {
        byte[] out = new byte[SMALL.bytesPerImage()];
        DECODER.decodeInto(file, out, 0);
        return out;
    }

    /** Every pixel of each RGB plane within {@code tolerance} of the expected value. */
    static void assertMeanColour(byte[] chw, int r, int g, int b, int tolerance) {
        int plane = chw.length / 3;
        int[] expected = {r, g, b};
        for (int c = 0; c < 3; c++) {
            for (int p = 0; p < plane; p++) {
                int value = chw[c * plane + p] & 0xFF;
                if (Math.abs(value - expected[c]) > tolerance) {
                    throw new AssertionError("channel " + "RGB".charAt(c) + " pixel " + p + ": expected " + expected[c] + " +- " + tolerance + ", got " + value);
                }
            }
        }
    }

    private static boolean allEqual(byte[] values, int expected) {
        for (byte v : values) {
            if ((v & 0xFF) != expected) {
                return false;
            }
        }
        return true;
    }
}
