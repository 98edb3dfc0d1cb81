package org.sparkresnet.deploy;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkresnet.data.PrepareJob;
import org.sparkresnet.data.PrepareRequest;
import org.sparkresnet.data.PrepareResult;
import org.sparkresnet.data.ShardedDataset;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.data.shard.Minibatches;
import org.sparkresnet.data.shard.ShardFormat;
import org.sparkresnet.model.InputShape;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image prepare job on a real master with two executor JVMs: a JPEG tree of class folders becomes shards whose
 * manifest counts every class and whose every example carries its own image's label. Each class is one colour, so
 * a label that travelled with the wrong pixels shows.
 */
class LocalClusterImagePrepareIT {
    /** Class folders, as the lister sorts them (label = index), and the RGB channel that dominates each class's images. */
    private static final List<String> CLASSES = List.of("blue", "green", "red");
    private static final int[] DOMINANT_CHANNEL = {2, 1, 0};
    private static final long[] TRAIN_PER_CLASS = {7, 6, 5};
    private static final long[] TEST_PER_CLASS = {2, 2, 2};
    /** Landscape, portrait and square sizes, all larger than the resize, so every image is scaled and cropped. */
    private static final int[][] SIZES = {{96, 64}, {64, 96}, {50, 50}, {120, 90}};
    private static final InputShape STORED = new InputShape(3, 32, 32);

    @TempDir
    java.nio.file.Path work;

    @Test
    void aJpegClassTreeIsPreparedOnTwoExecutorJvmsAndReadsBackWithItsLabels() throws Exception {
        java.nio.file.Path input = work.resolve("photos");
        writeClassFolders(input.resolve("train"), TRAIN_PER_CLASS);
        writeClassFolders(input.resolve("val"), TEST_PER_CLASS);
        String output = work.resolve("prepared").toUri().toString();

        try (JavaSparkContext sc = LocalCluster.start("local-cluster-image-prepare-it", 2, 1024)) {
            LocalCluster.awaitExecutors(sc, 2, Duration.ofMinutes(2));
            Set<String> executorsThatRanTasks = ConcurrentHashMap.newKeySet();
            sc.sc().addSparkListener(new SparkListener() {
                @Override
                public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
                    executorsThatRanTasks.add(taskEnd.taskInfo().executorId());
                }
            });
            // 4 images per shard: 5 train shards and 2 test shards, more tasks than executors
            PrepareResult result = PrepareJob.run(sc, new PrepareRequest("folder", input.toUri().toString(), output, 4, false, 0,
                    STORED.width(), 40, false), System.out::println);

            assertEquals(18, result.split("train").numExamples());
            assertEquals(6, result.split("test").numExamples());
            Configuration conf = sc.hadoopConfiguration();
            checkSplit(new Path(output, "train").toString(), TRAIN_PER_CLASS, 5, conf);
            checkSplit(new Path(output, "test").toString(), TEST_PER_CLASS, 2, conf);

            // read back on the cluster too, as training does: normalised minibatches with one-hot labels
            List<DataSet> batches = ShardedDataset.minibatches(sc, new Path(output, "train").toString(), 3, 5).collect();
            long[] oneHotCounts = new long[CLASSES.size()];
            for (DataSet batch : batches) {
                assertEquals(DataType.FLOAT, batch.getFeatures().dataType());
                assertEquals(STORED.height(), batch.getFeatures().size(2));
                for (int row = 0; row < batch.numExamples(); row++) {
                    oneHotCounts[batch.getLabels().getRow(row).argMax().getInt(0)]++;
                }
            }
            assertArrayEquals(TRAIN_PER_CLASS, oneHotCounts);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (executorsThatRanTasks.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(100); // task-end events reach listeners asynchronously
            }
            assertEquals(2, executorsThatRanTasks.size(), "tasks ran on executors " + executorsThatRanTasks);
        }
    }

    /** The manifest's counts, classes and shape, and in every shard: UINT8 [n,3,32,32] whose colour matches its label. */
    private static void checkSplit(String splitDir, long[] perClass, int shards, Configuration conf) {
        SplitManifest manifest = SplitManifest.read(splitDir, conf);
        assertArrayEquals(perClass, manifest.countsPerClass(), splitDir);
        assertEquals(CLASSES, manifest.labelNames());
        assertEquals(CLASSES, manifest.classIds());
        assertEquals(STORED, manifest.shape());
        assertEquals(shards, manifest.shards().size(), "shards of " + splitDir + ": " + manifest.shards());
        assertTrue(manifest.skipped().isEmpty(), "nothing skipped: " + manifest.skipped());

        long[] seen = new long[perClass.length];
        for (int s = 0; s < manifest.shards().size(); s++) {
            DataSet shard = ShardFormat.read(new Path(splitDir, manifest.shards().get(s)), conf);
            int n = shard.numExamples();
            assertEquals(manifest.shardCounts().get(s), n);
            assertArrayEquals(new long[] {n, 3, 32, 32}, shard.getFeatures().shape());
            byte[] pixels = Minibatches.pixelBytes(shard);
            for (int i = 0; i < n; i++) {
                int label = shard.getLabels().getInt(i);
                seen[label]++;
                assertEquals(DOMINANT_CHANNEL[label], dominantChannel(pixels, i), "example " + i + " of " + manifest.shards().get(s)
                        + " is labelled " + CLASSES.get(label) + " but its pixels are another colour");
            }
        }
        assertArrayEquals(perClass, seen, "labels found in the shards of " + splitDir);
    }

    /** The RGB channel with the highest mean in example {@code index} of CHW uint8 pixels. */
    private static int dominantChannel(byte[] pixels, int index) {
        int plane = STORED.height() * STORED.width();
        int best = -1;
        long bestSum = -1;
        for (int c = 0; c < 3; c++) {
            long sum = 0;
            for (int p = 0; p < plane; p++) {
                sum += Byte.toUnsignedInt(pixels[(index * 3 + c) * plane + p]);
            }
            if (sum > bestSum) {
                bestSum = sum;
                best = c;
            }
        }
        return best;
    }

    /** {@code perClass[c]} JPEGs in each class folder: one colour per class, a different shade and size per image. */
    private static void writeClassFolders(java.nio.file.Path split, long[] perClass) throws IOException {
        for (int c = 0; c < CLASSES.size(); c++) {
            java.nio.file.Path folder = Files.createDirectories(split.resolve(CLASSES.get(c)));
            for (int i = 0; i < perClass[c]; i++) {
                int[] size = SIZES[i % SIZES.length];
                int[] rgb = {20 + 3 * i, 30 + 2 * i, 25 + i};
                rgb[DOMINANT_CHANNEL[c]] = 220 - 4 * i;
                BufferedImage image = new BufferedImage(size[0], size[1], BufferedImage.TYPE_INT_RGB);
                int colour = new Color(rgb[0], rgb[1], rgb[2]).getRGB();
                for (int y = 0; y < size[1]; y++) {
                    for (int x = 0; x < size[0]; x++) {
                        image.setRGB(x, y, colour);
                    }
                }
                if (!ImageIO.write(image, "jpg", folder.resolve(String.format("img%02d.jpg", i)).toFile())) {
                    throw new IOException("no JPEG writer in this JVM");
                }
            }
        }
    }
}
