package org.sparkresnet.data.image;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Small image folder trees for tests, in the layouts the lister understands. */
public final class TestImageTrees {
    public static final List<String> WNIDS = List.of("n01440764", "n01443537", "n01484850");
    public static final List<String> WNID_NAMES = List.of("tench, Tinca tinca", "goldfish, Carassius auratus",
            "great white shark, white shark, man-eater, man-eating shark, Carcharodon carcharias");

    private TestImageTrees() {
    }

    /**
     * train/{cat,dog,fox} with every kind of file the decoder must handle (mixed-case extensions, grayscale, CMYK, a PNG
     * named .JPEG, a tiny and a large image, a README to ignore) and val/{cat,dog,fox} with two images each.
     * Train counts: cat 4, dog 3, fox 3.
     */
    public static Path mixedClassFolders(Path root) throws IOException {
        Path train = root.resolve("train");
        TestImages.write(train.resolve("cat/c1.jpg"), TestImages.jpeg(TestImages.photoLike(120, 90, 1)));
        TestImages.write(train.resolve("cat/c2.JPG"), TestImages.jpeg(TestImages.solid(64, 48, Color.RED)));
        TestImages.write(train.resolve("cat/c3.Jpeg"), TestImages.jpeg(TestImages.photoLike(90, 120, 3)));
        TestImages.write(train.resolve("cat/c4.jpg"), TestImages.png(TestImages.solid(1, 1, Color.BLUE))); // tiny, a PNG
        TestImages.write(train.resolve("cat/README.txt"), "not an image".getBytes());
        TestImages.write(train.resolve("dog/d1.JPEG"), TestImages.grayJpeg(80, 60, 100));
        TestImages.write(train.resolve("dog/d2.JPEG"), TestImages.png(TestImages.solid(50, 50, Color.GREEN))); // PNG behind .JPEG
        TestImages.write(train.resolve("dog/d3.jpg"), TestImages.cmykJpeg(40, 30, 255, 0, 0, 255));
        TestImages.write(train.resolve("fox/f1.PNG"), TestImages.png(TestImages.photoLike(70, 70, 7)));
        TestImages.write(train.resolve("fox/f2.png"), TestImages.png(TestImages.solid(30, 60, Color.ORANGE)));
        TestImages.write(train.resolve("fox/f3.jpg"), TestImages.jpeg(TestImages.photoLike(1600, 1200, 9), 0.8f)); // large
        for (String name : List.of("cat", "dog", "fox")) {
            for (int i = 0; i < 2; i++) {
                TestImages.write(root.resolve("val/" + name + "/v" + i + ".jpg"), TestImages.jpeg(TestImages.photoLike(60, 40, name.hashCode() + i)));
            }
        }
        return root;
    }

    /**
     * The Kaggle ILSVRC archive layout: LOC_synset_mapping.txt and LOC_val_solution.csv at the top,
     * ILSVRC/Data/CLS-LOC/train/&lt;wnid&gt;/&lt;wnid&gt;_N.JPEG ({@code trainPerClass} each), and a flat val/ with
     * {@code valPerClass} images per class listed in the CSV.
     */
    public static Path ilsvrc(Path root, int trainPerClass, int valPerClass) throws IOException {
        Path data = root.resolve("ILSVRC/Data/CLS-LOC");
        List<String> mapping = new ArrayList<>();
        List<String> solution = new ArrayList<>(List.of("ImageId,PredictionString"));
        int valIndex = 1;
        for (int c = 0; c < WNIDS.size(); c++) {
            String wnid = WNIDS.get(c);
            mapping.add(wnid + " " + WNID_NAMES.get(c));
            for (int i = 0; i < trainPerClass; i++) {
                TestImages.write(data.resolve("train/" + wnid + "/" + wnid + "_" + i + ".JPEG"), TestImages.jpeg(TestImages.photoLike(50, 40, 100 * c + i)));
            }
            for (int i = 0; i < valPerClass; i++) {
                String id = String.format("ILSVRC2012_val_%08d", valIndex++);
                TestImages.write(data.resolve("val/" + id + ".JPEG"), TestImages.jpeg(TestImages.photoLike(40, 50, 1000 * c + i)));
                // a box list as in the real file: wnid x1 y1 x2 y2, possibly repeated
                solution.add(id + "," + wnid + " 10 20 30 40 " + wnid + " 1 2 3 4 ");
            }
        }
        Files.write(root.resolve("LOC_synset_mapping.txt"), mapping);
        Files.write(root.resolve("LOC_val_solution.csv"), solution);
        return root;
    }
}
