package org.sparkresnet.jobs.infer;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkresnet.data.image.BadImageException;
import org.sparkresnet.data.image.ImageDecoder;
import org.sparkresnet.data.image.ImagePreprocessing;
import org.sparkresnet.jobs.store.ModelStore;
import org.sparkresnet.model.InputShape;
import org.sparkresnet.model.ModelRequest;
import org.sparkresnet.model.ResNets;
import org.sparkresnet.model.record.ModelRecord;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the inference tests share: real photos from Debian's opencv-doc (JPEG colour and grey, PNG RGB, grey and RGBA,
 * one in a subfolder), a text file the jobs must skip, a truncated JPEG (OpenCV refuses it, ImageIO fills the missing
 * part with grey) and a PNG that is no image; a random-weight resnet20 at 3x32x32 saved
 * with its record; and the reference computation, a direct network call on pixels prepared by hand.
 */
final class InferenceFixtures {
    static final java.nio.file.Path OPENCV_DATA = java.nio.file.Path.of("/usr/share/doc/opencv-doc/examples/data");
    static final List<String> TOP = List.of("fruits.jpg", "baboon.jpg", "butterfly.jpg", "messi5.jpg", "orange.jpg", "apple.jpg",
            "HappyFish.jpg", "left01.jpg", "pic1.png", "pic3.png", "smarties.png", "box.png", "opencv-logo-white.png");
    static final List<String> SUB = List.of("pic5.png", "home.jpg", "ml.png");
    static final String BROKEN = "broken.jpg";
    /** Not an image at all: a PNG signature and then text; neither OpenCV nor ImageIO decodes it. */
    static final String CORRUPT = "corrupt.png";
    static final int UNREADABLE = 2;
    static final List<String> LABELS = List.of("apple", "fish", "car", "cat", "dog");
    static final ModelRecord RECORD = new ModelRecord("resnet20", new InputShape(3, 32, 32), LABELS, null,
            new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f}, 36, 32, "test", "random weights");

    private InferenceFixtures() {
    }

    /** The photos (TOP, and SUB under sub/), notes.txt, BROKEN (the first half of a JPEG) and CORRUPT in {@code dir}. */
    static java.nio.file.Path photos(java.nio.file.Path dir) throws IOException {
        assumeTrue(Files.isDirectory(OPENCV_DATA), "needs Debian's opencv-doc (apt-get install opencv-doc)");
        Files.createDirectories(dir.resolve("sub"));
        for (String name : TOP) {
            Files.copy(OPENCV_DATA.resolve(name), dir.resolve(name));
        }
        for (String name : SUB) {
            Files.copy(OPENCV_DATA.resolve(name), dir.resolve("sub").resolve(name));
        }
        Files.writeString(dir.resolve("notes.txt"), "not an image\n");
        byte[] jpeg = Files.readAllBytes(OPENCV_DATA.resolve("aero1.jpg"));
        Files.write(dir.resolve(BROKEN), Arrays.copyOf(jpeg, jpeg.length / 2));
        byte[] signature = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        Files.write(dir.resolve(CORRUPT), signature);
        Files.write(dir.resolve(CORRUPT), "and then no chunks at all".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                java.nio.file.StandardOpenOption.APPEND);
        return dir;
    }

    static int imageCount() {
        return TOP.size() + SUB.size();
    }

    static ComputationGraph randomNet() {
        Nd4j.getRandom().setSeed(42);
        return ResNets.build(ModelRequest.of(RECORD.model(), RECORD.input(), LABELS.size()));
    }

    /** Saves {@code net} at {@code file} with {@link #RECORD}, or without any record. */
    static String save(ComputationGraph net, java.nio.file.Path file, boolean withRecord) {
        Path target = new Path(file.toUri());
        if (withRecord) {
            ModelStore.save(net, target, new Configuration(), false, RECORD);
        } else {
            ModelStore.save(net, target, new Configuration(), false);
        }
        return target.toString();
    }

    /** The record's preprocessing of an image file's bytes, by the decoder prepare uses: RGB uint8 CHW. */
    static byte[] filePixels(byte[] file) throws BadImageException {
        byte[] out = new byte[3 * 32 * 32];
        new ImageDecoder(new ImagePreprocessing(RECORD.imageSize(), RECORD.resize())).decodeInto(file, out, 0);
        return out;
    }

    /** The same for pixels already decoded (Spark's image source: BGR/BGRA/grey rows). */
    static byte[] decodedPixels(byte[] data, int width, int height, int channels) throws BadImageException {
        byte[] out = new byte[3 * 32 * 32];
        new ImageDecoder(new ImagePreprocessing(RECORD.imageSize(), RECORD.resize())).preprocessDecodedInto(data, width, height, channels, out, 0);
        return out;
    }

    /** A direct network call on one image: (x/255 - mean)/std by hand, then {@code vertex}'s activations. */
    static float[] direct(ComputationGraph net, byte[] chw, String vertex) {
        float[] mean = RECORD.mean();
        float[] std = RECORD.std();
        int plane = 32 * 32;
        float[] x = new float[chw.length];
        for (int i = 0; i < chw.length; i++) {
            int c = i / plane;
            x[i] = ((chw[i] & 0xFF) / 255f - mean[c]) / std[c];
        }
        INDArray input = Nd4j.create(x, new long[] {1, 3, 32, 32}, 'c').castTo(DataType.FLOAT);
        return net.output(List.of(vertex), false, new INDArray[] {input}, null)[0].toFloatVector();
    }
}
