package org.sparkresnet.data.image;

/**
 * Walks a JPEG's marker segments (not its pixels) to find its size and to tell a complete file from a truncated one.
 * Needed because libjpeg, inside OpenCV, "decodes" a truncated JPEG without error and fills the missing rows with
 * gray; a complete JPEG ends its entropy-coded data with an EOI marker (FF D9).
 */
final class JpegStructure {
    /** A JPEG's frame size and whether its EOI marker was found. */
    record Info(int width, int height, boolean complete) {
    }

    private static final int SOI = 0xD8;
    private static final int EOI = 0xD9;
    private static final int SOS = 0xDA;

    private JpegStructure() {
    }

    static boolean isJpeg(byte[] data) {
        return data.length >= 3 && u8(data, 0) == 0xFF && u8(data, 1) == SOI && u8(data, 2) == 0xFF;
    }

    /** @return the frame size (0x0 if no frame header was seen) and whether an EOI marker ends the image data */
    static Info inspect(byte[] data) {
        int width = 0;
        int height = 0;
        int at = 2;
        while (at + 1 < data.length) {
            if (u8(data, at) != 0xFF) {
                return new Info(width, height, false); // garbage where a marker must be
            }
            int marker = u8(data, at + 1);
            if (marker == 0xFF) { // fill byte before a marker
                at++;
                continue;
            }
            if (marker == EOI) {
                return new Info(width, height, true);
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { // markers without a length
                at += 2;
                continue;
            }
            if (at + 3 >= data.length) {
                break;
            }
            int length = (u8(data, at + 2) << 8) | u8(data, at + 3);
            if (isStartOfFrame(marker) && at + 8 < data.length) {
                height = (u8(data, at + 5) << 8) | u8(data, at + 6);
                width = (u8(data, at + 7) << 8) | u8(data, at + 8);
            }
            at += 2 + length;
            if (marker == SOS) {
                at = skipEntropyCodedData(data, at);
            }
        }
        return new Info(width, height, false);
    }

    /** The index of the next real marker after entropy-coded data (FF 00 is a stuffed byte, FF D0..D7 a restart). */
    private static int skipEntropyCodedData(byte[] data, int at) {
        while (at + 1 < data.length) {
            if (u8(data, at) == 0xFF) {
                int next = u8(data, at + 1);
                if (next != 0x00 && !(next >= 0xD0 && next <= 0xD7) && next != 0xFF) {
                    return at;
                }
            }
            at++;
        }
        return data.length;
    }

    /** SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
    private static boolean isStartOfFrame(int marker) {
        return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    }

    private static int u8(byte[] data, int index) {
        return data[index] & 0xFF;
    }
}
