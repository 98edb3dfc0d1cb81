package org.sparkresnet.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX files for tests: good ones with known content, and bad ones (the bytes are the caller's). */
public final class TestIdxFiles {
    public static final Path FASHION_MNIST_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    private TestIdxFiles() {
    }

    /** Whether the real Fashion-MNIST files (Debian package dataset-fashion-mnist) are installed. */
    public static boolean fashionMnistInstalled() {
        return Files.isRegularFile(FASHION_MNIST_DIR.resolve("train-images-idx3-ubyte.gz"))
                && Files.isRegularFile(FASHION_MNIST_DIR.resolve("t10k-labels-idx1-ubyte.gz"));
    }

    /** Deterministic pixels: image i, pixel p holds (i * 7 + p * 13) mod 256, so every byte value occurs. */
    public static byte[] pixels(int count, int rows, int cols) {
        byte[] pixels = new byte[count * rows * cols];
        for (int i = 0; i < count; i++) {
            for (int p = 0; p < rows * cols; p++) {
                pixels[i * rows * cols + p] = (byte) ((i * 7 + p * 13) % 256);
            }
        }
        return pixels;
    }

    /** Labels 0, 1, ..., numClasses-1, 0, 1, ... */
    public static byte[] labels(int count, int numClasses) {
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            labels[i] = (byte) (i % numClasses);
        }
        return labels;
    }

    public static byte[] imagesIdx(int magic, int count, int rows, int cols, byte[] pixels) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(magic);
            out.writeInt(count);
            out.writeInt(rows);
            out.writeInt(cols);
            out.write(pixels);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return bytes.toByteArray();
    }

    public static byte[] labelsIdx(int magic, int count, byte[] labels) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(magic);
            out.writeInt(count);
            out.write(labels);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return bytes.toByteArray();
    }

    public static byte[] gzip(byte[] content) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(content);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return bytes.toByteArray();
    }

    public static byte[] cut(byte[] content, int bytesToRemove) {
        return Arrays.copyOf(content, content.length - bytesToRemove);
    }

    public static Path write(Path file, byte[] content) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, content);
    }

    /**
     * Writes a good MNIST-family dataset (28x28, 10 classes) into {@code dir}: train and t10k images and labels,
     * gzip-compressed or plain, with {@link #pixels} and {@link #labels} content.
     */
    public static Path writeDataset(Path dir, int trainCount, int testCount, boolean gzip) throws IOException {
        writeSplit(dir, "train", trainCount, gzip);
        writeSplit(dir, "t10k", testCount, gzip);
        return dir;
    }

    private static void writeSplit(Path dir, String prefix, int count, boolean gzip) throws IOException {
        byte[] images = imagesIdx(0x803, count, 28, 28, pixels(count, 28, 28));
        byte[] labels = labelsIdx(0x801, count, labels(count, 10));
        String suffix = gzip ? ".gz" : "";
        write(dir.resolve(prefix + "-images-idx3-ubyte" + suffix), gzip ? gzip(images) : images);
        write(dir.resolve(prefix + "-labels-idx1-ubyte" + suffix), gzip ? gzip(labels) : labels);
    }
}
