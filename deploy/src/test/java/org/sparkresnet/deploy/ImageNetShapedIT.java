package org.sparkresnet.deploy;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.data.PrepareJob;
import org.sparkresnet.data.PrepareRequest;
import org.sparkresnet.data.PrepareResult;
import org.sparkresnet.jobs.eval.Evaluator;
import org.sparkresnet.jobs.eval.SparkEvaluation;
import org.sparkresnet.jobs.metrics.EpochMetrics;
import org.sparkresnet.jobs.train.LearningRateSchedule;
import org.sparkresnet.jobs.train.OptimizerSettings;
import org.sparkresnet.jobs.train.SharingSettings;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.TrainResult;
import org.sparkresnet.jobs.train.Trainer;
import org.sparkresnet.jobs.train.TrainingAugmentation;
import org.sparkresnet.jobs.train.TrainingMode;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ImageNet path end to end on a real master with two executor JVMs: a generated class-folder tree of photo-like
 * JPEGs (20 classes, ImageNet's layout of train/ and val/ folders) prepared at 224x224 into a real HDFS, ResNet-18
 * trained in both modes (two epochs of averaging, one of sharing) with crop-and-flip augmentation and evaluated with
 * top-1 and top-5, and ResNet-50 trained for a few iterations, all reading hdfs:// paths unchanged.
 */
class ImageNetShapedIT {
    static final int CLASSES = 20;
    static final int TRAIN_PER_CLASS = 8;
    static final int VAL_PER_CLASS = 3;
    @TempDir
    java.nio.file.Path work;

    @Test
    void resnet18And50TrainOnAPreparedJpegTreeInHdfsInBothModes() throws Exception {
        java.nio.file.Path photos = work.resolve("photos");
        writeTree(photos.resolve("train"), TRAIN_PER_CLASS, 1);
        writeTree(photos.resolve("val"), VAL_PER_CLASS, 2);
        Configuration hdfsConf = new Configuration();
        hdfsConf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, work.resolve("hdfs").toString());
        MiniDFSCluster hdfs = new MiniDFSCluster.Builder(hdfsConf).numDataNodes(1).build();
        try (JavaSparkContext sc = LocalCluster.start("imagenet-shaped-it", 2, 2048)) {
            LocalCluster.awaitExecutors(sc, 2, Duration.ofMinutes(2));
            String root = hdfs.getFileSystem().getUri() + "/imagenet-shaped";
            String data = root + "/data";
            PrepareResult prepared = PrepareJob.run(sc, new PrepareRequest("folder", photos.toUri().toString(), data, 64, false, 0,
                    224, 256, false), line -> { });
            assertEquals(CLASSES * TRAIN_PER_CLASS, prepared.split("train").numExamples());
            assertEquals(CLASSES * VAL_PER_CLASS, prepared.split("test").numExamples());
            FileSystem fs = hdfs.getFileSystem();
            assertTrue(fs.exists(new Path(data, "train/manifest.json")), "the shards live in HDFS");

            for (TrainingMode mode : TrainingMode.values()) {
                // two epochs of averaging show the loss falling; one of sharing shows its path at 224 (its loss over
                // epochs is LocalClusterSharingIT's)
                int epochCount = mode == TrainingMode.AVERAGING ? 2 : 1;
                TrainResult result = new Trainer(sc, System.out, Duration.ofSeconds(20))
                        .run(request(data, root + "/resnet18-" + mode.flag(), "resnet18", epochCount, 8, mode));
                List<EpochMetrics> epochs = result.epochs();
                assertEquals(epochCount, epochs.size());
                for (EpochMetrics e : epochs) {
                    assertEquals(CLASSES * TRAIN_PER_CLASS, e.examples(), mode + ": every image once per epoch");
                    assertEquals(0, e.shuffleWriteBytes(), mode + ": only references are dealt");
                    assertTrue(e.testTop5Accuracy() >= e.testAccuracy() && !Double.isNaN(e.testTop5Accuracy()), e.toString());
                    assertTrue(Double.isFinite(e.trainLoss()), e.toString());
                }
                EpochMetrics last = result.last();
                assertTrue(fs.exists(new Path(root + "/resnet18-" + mode.flag() + "/model.zip")), "the model is saved to HDFS");
                SparkEvaluation.Result eval = Evaluator.run(sc, root + "/resnet18-" + mode.flag() + "/model.zip", data + "/test");
                System.out.printf("ImageNet-shaped (20 classes x 8 images at 224), resnet18, %s, %d epoch(s): train loss %.3f -> %.3f,"
                                + " top-1 %.4f, top-5 %.4f, %.1f images/s, data wait %.1f%%%n", mode.flag(), epochCount, epochs.get(0).trainLoss(),
                        last.trainLoss(), eval.accuracy(), eval.top5Accuracy(), last.imagesPerSecond(), 100 * last.dataWaitShare());
                assertEquals(last.testAccuracy(), eval.accuracy(), 1e-9, "evaluate agrees with the last epoch's figure");
                assertEquals(last.testTop5Accuracy(), eval.top5Accuracy(), 1e-9);
                if (epochCount > 1) {
                    assertTrue(last.trainLoss() < epochs.get(0).trainLoss() * 1.1, "training does not diverge: " + epochs);
                }
            }

            // ResNet-50 for a few iterations: 20 x 2 images in minibatches of 4, 5 iterations per worker
            String small = root + "/small";
            PrepareJob.run(sc, new PrepareRequest("folder", photos.toUri().toString(), small, 64, false, 2 * CLASSES, 224, 256, false),
                    line -> { });
            TrainResult resnet50 = new Trainer(sc, System.out, Duration.ofSeconds(20))
                    .run(request(small, root + "/resnet50", "resnet50", 1, 4, TrainingMode.AVERAGING));
            EpochMetrics e50 = resnet50.last();
            System.out.printf("resnet50, averaging, %d iterations of 4: loss %.3f, top-1 %.4f, top-5 %.4f, %.2f images/s%n",
                    e50.iterations(), e50.trainLoss(), e50.testAccuracy(), e50.testTop5Accuracy(), e50.imagesPerSecond());
            assertEquals(2 * CLASSES, e50.examples());
            assertTrue(Double.isFinite(e50.trainLoss()), "resnet50 trains: " + e50);
        } finally {
            hdfs.shutdown();
        }
    }

    static TrainRequest request(String data, String output, String model, int epochs, int batch, TrainingMode mode) {
        OptimizerSettings adam = new OptimizerSettings("adam", 1e-3, 0.9, 0, LearningRateSchedule.CONSTANT);
        return new TrainRequest(data, output, model, epochs, batch, adam, mode, 2, SharingSettings.defaults(), 1, false, 5, false,
                TrainingAugmentation.CROP_FLIP);
    }

    /**
     * Photo-like JPEGs of about ImageNet's size (landscape and portrait, 300-400 pixels): each class a hue and a stripe
     * direction, each image its own brightness, offset and noise, so the classes can be told apart after resizing and
     * cropping but no two images are alike.
     */
    static void writeTree(java.nio.file.Path split, int perClass, long seed) throws Exception {
        Random random = new Random(seed);
        for (int c = 0; c < CLASSES; c++) {
            java.nio.file.Path dir = Files.createDirectories(split.resolve(String.format("n%08d", 1440764 + c)));
            for (int i = 0; i < perClass; i++) {
                int width = random.nextBoolean() ? 400 : 300;
                int height = width == 400 ? 300 : 400;
                BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = image.createGraphics();
                Color base = Color.getHSBColor(c / (float) CLASSES, 0.7f, 0.5f + 0.4f * random.nextFloat());
                g.setColor(base);
                g.fillRect(0, 0, width, height);
                g.setColor(base.darker().darker());
                int period = 20 + 4 * (c % 5);
                int offset = random.nextInt(period);
                for (int s = -height; s < width + height; s += period) {
                    if (c % 2 == 0) {
                        g.fillRect(s + offset, 0, period / 3, height);
                    } else {
                        g.fillRect(0, s + offset, width, period / 3);
                    }
                }
                g.dispose();
                for (int n = 0; n < width * height / 20; n++) {
                    int x = random.nextInt(width);
                    int y = random.nextInt(height);
                    image.setRGB(x, y, random.nextInt(0xFFFFFF));
                }
                ImageIO.write(image, "jpg", dir.resolve("img_" + i + ".JPEG").toFile());
            }
        }
    }
}
