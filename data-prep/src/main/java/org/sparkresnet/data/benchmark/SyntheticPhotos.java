package org.sparkresnet.data.benchmark;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;

/**
 * Photo-like JPEGs for the benchmark: a sky-like gradient, overlapping shapes and fine sensor-like noise, so files
 * compress as real photos do (about 100-150 KB at 500x375) rather than as flat test images (a few KB), which would
 * make decoding look faster than it is.
 */
final class SyntheticPhotos {
    private SyntheticPhotos() {
    }

    static byte[] jpeg(int width, int height, long seed, float quality) throws IOException {
        Random random = new Random(seed);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setPaint(new GradientPaint(0, 0, randomColour(random), width, height, randomColour(random)));
        g.fillRect(0, 0, width, height);
        for (int i = 0; i < 60; i++) {
            g.setColor(new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256), 80 + random.nextInt(176)));
            int w = 4 + random.nextInt(width / 3);
            int h = 4 + random.nextInt(height / 3);
            if (random.nextBoolean()) {
                g.fillOval(random.nextInt(width) - w / 2, random.nextInt(height) - h / 2, w, h);
            } else {
                g.fillRect(random.nextInt(width) - w / 2, random.nextInt(height) - h / 2, w, h);
            }
        }
        g.dispose();
        int[] rgb = image.getRGB(0, 0, width, height, null, 0, width);
        for (int p = 0; p < rgb.length; p++) {
            int noise = (int) (random.nextGaussian() * 9);
            int r = clamp(((rgb[p] >> 16) & 0xFF) + noise);
            int gr = clamp(((rgb[p] >> 8) & 0xFF) + noise);
            int b = clamp((rgb[p] & 0xFF) + noise + (int) (random.nextGaussian() * 3));
            rgb[p] = (r << 16) | (gr << 8) | b;
        }
        image.setRGB(0, 0, width, height, rgb, 0, width);
        return encode(image, quality);
    }

    private static byte[] encode(BufferedImage image, float quality) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    private static Color randomColour(Random random) {
        return new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256));
    }

    private static int clamp(int value) {
        return Math.max(0, Math.min(255, value));
    }
}
