package org.sparkresnet.jobs.infer;

import org.apache.spark.SparkException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.model.ResNets;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Transformer on real Spark (local[2]) over real photos, against direct network calls on the same pixels. */
class ResNetModelTest {
    private static final double TOLERANCE = 1e-5;
    @TempDir
    static java.nio.file.Path work;
    static SparkSession spark;
    static ComputationGraph net;
    static String modelUri;
    static java.nio.file.Path photos;

    @BeforeAll
    static void start() throws Exception {
        photos = InferenceFixtures.photos(work.resolve("photos"));
        net = InferenceFixtures.randomNet();
        modelUri = InferenceFixtures.save(net, work.resolve("model.zip"), true);
        spark = SparkSession.builder().config(SparkContexts.conf("resnet-model-test", "local[2]")).getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    static Dataset<Row> files() {
        return spark.read().format("binaryFile").option("recursiveFileLookup", "true").option("pathGlobFilter", InferenceInputs.IMAGE_GLOB)
                .load(photos.toString());
    }

    static ResNetModel model() {
        return new ResNetModel().setModelUri(modelUri).setInputCol("content").setOutputCol("prediction").setTopK(5);
    }

    /** label -> probability, from a prediction struct holding every class. */
    static Map<String, Float> byLabel(Row prediction) {
        List<String> labels = prediction.getList(0);
        List<Float> probabilities = prediction.getList(1);
        Map<String, Float> map = new HashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            map.put(labels.get(i), probabilities.get(i));
        }
        return map;
    }

    static void assertSameAsDirect(float[] expected, Row prediction, String what) {
        Map<String, Float> got = byLabel(prediction);
        assertEquals(InferenceFixtures.LABELS.size(), got.size(), what);
        for (int c = 0; c < expected.length; c++) {
            assertEquals(expected[c], got.get(InferenceFixtures.LABELS.get(c)), TOLERANCE, what + " class " + c);
        }
        List<Float> probabilities = prediction.getList(1);
        for (int i = 1; i < probabilities.size(); i++) {
            assertTrue(probabilities.get(i - 1) >= probabilities.get(i), "most probable first: " + probabilities);
        }
    }

    @Test
    void fileBytesGiveTheNetworksOwnProbabilitiesAndTheBrokenFileAnError() throws Exception {
        List<Row> rows = model().transform(files()).collectAsList();
        assertEquals(InferenceFixtures.imageCount() + InferenceFixtures.UNREADABLE, rows.size(), "every image file and the bad ones, not notes.txt");
        int checked = 0;
        for (Row row : rows) {
            String path = row.getAs("path");
            Row prediction = row.getAs("prediction");
            if (path.endsWith(InferenceFixtures.BROKEN)) {
                assertNull(prediction);
                String error = row.getAs("error");
                assertTrue(error.contains(InferenceFixtures.BROKEN) && error.contains("truncated JPEG"), error);
                continue;
            }
            if (path.endsWith(InferenceFixtures.CORRUPT)) {
                assertNull(prediction);
                String error = row.getAs("error");
                assertTrue(error.contains(InferenceFixtures.CORRUPT) && error.contains("not a decodable image"), error);
                continue;
            }
            assertNull(row.getAs("error"), path);
            byte[] pixels = InferenceFixtures.filePixels(Files.readAllBytes(java.nio.file.Path.of(java.net.URI.create(path))));
            assertSameAsDirect(InferenceFixtures.direct(net, pixels, ResNets.OUTPUT), prediction, path);
            checked++;
        }
        assertEquals(InferenceFixtures.imageCount(), checked);
    }

    @Test
    void imageStructsGiveTheNetworksProbabilitiesAndMatchFileBytesForPngs() throws Exception {
        Dataset<Row> images = spark.read().format("image").option("dropInvalid", "false").option("recursiveFileLookup", "true")
                .option("pathGlobFilter", InferenceInputs.IMAGE_GLOB).load(photos.toString());
        List<Row> rows = new ResNetModel().setModelUri(modelUri).setInputCol("image").setBatchSize(4).transform(images).collectAsList();
        assertEquals(InferenceFixtures.imageCount() + InferenceFixtures.UNREADABLE, rows.size());
        Map<String, Row> fromFiles = new HashMap<>();
        for (Row row : model().transform(files()).collectAsList()) {
            fromFiles.put(new org.apache.hadoop.fs.Path((String) row.getAs("path")).toUri().getPath(), row.getAs("prediction"));
        }
        int pngs = 0;
        for (Row row : rows) {
            Row image = row.getAs("image");
            String origin = image.getAs("origin");
            Row prediction = row.getAs("prediction");
            if (origin.endsWith(InferenceFixtures.CORRUPT)) {
                assertNull(prediction, "Spark's image source marks it invalid");
                String error = row.getAs("error");
                assertTrue(error.startsWith(origin) && error.contains("not a decodable image"), error);
                continue;
            }
            // ImageIO decoded these pixels (the truncated JPEG too, its missing part grey): the reference prepares the same pixels by hand
            byte[] pixels = InferenceFixtures.decodedPixels(image.getAs("data"), image.getAs("width"), image.getAs("height"), image.getAs("nChannels"));
            assertSameAsDirect(InferenceFixtures.direct(net, pixels, ResNets.OUTPUT), prediction, origin);
            if (origin.endsWith(".png")) { // lossless: ImageIO and OpenCV agree on every pixel, so both inputs agree
                Map<String, Float> viaFile = byLabel(fromFiles.get(new org.apache.hadoop.fs.Path(origin).toUri().getPath()));
                byLabel(prediction).forEach((label, p) -> assertEquals(viaFile.get(label), p, TOLERANCE, origin + " " + label));
                pngs++;
            }
        }
        assertEquals(7, pngs, "RGB, grey and RGBA PNGs compared");
    }

    @Test
    void rowsAndPartitionsAreKeptAndEachCallTakesAWholeBatch() throws Exception {
        Dataset<Row> input = files().filter(col("path").endsWith(InferenceFixtures.BROKEN).or(col("path").endsWith(InferenceFixtures.CORRUPT)).unary_$bang())
                .repartition(3).cache();
        List<List<Row>> before = input.select("path", "length").javaRDD().glom().collect();
        InferenceCounters.reset();
        java.nio.file.Path copy = work.resolve("copy-" + System.nanoTime() + ".zip");
        Files.copy(work.resolve("model.zip"), copy);
        int reads = ModelCache.reads();
        Dataset<Row> output = model().setModelUri(copy.toUri().toString()).setBatchSize(4).transform(input);
        List<List<Row>> after = output.select("path", "length").javaRDD().glom().collect();
        assertEquals(before, after, "the same rows in the same partitions, in the same order");
        assertEquals(List.of("path", "modificationTime", "length", "content", "prediction", "error"), List.of(output.columns()));
        long expectedCalls = before.stream().mapToLong(p -> (p.size() + 3) / 4).sum();
        assertEquals(expectedCalls, InferenceCounters.calls(), "one call per 4 rows of a partition, the last call the remainder: " + before);
        assertEquals(InferenceFixtures.imageCount(), InferenceCounters.images());
        assertEquals(4, InferenceCounters.largestBatch());
        assertEquals(1, ModelCache.reads() - reads, "the model is read once in this JVM (driver and executor tasks of local[2])");
        assertTrue(ModelCache.get(copy.toUri().toString(), spark.sparkContext().hadoopConfiguration()).copies() <= 2,
                "at most one network copy per concurrently running task (local[2])");
        input.unpersist();
    }

    @Test
    void featuresAreThePooledVector() throws Exception {
        List<Row> rows = model().setOutputKind("features").setOutputCol("features").transform(files().filter(col("path").endsWith(".png").and(col("path").endsWith(InferenceFixtures.CORRUPT).unary_$bang())))
                .collectAsList();
        assertEquals(7, rows.size());
        for (Row row : rows) {
            byte[] pixels = InferenceFixtures.filePixels(row.getAs("content"));
            float[] expected = InferenceFixtures.direct(net, pixels, ResNets.FEATURES);
            List<Float> got = row.getList(row.fieldIndex("features"));
            assertEquals(64, got.size());
            for (int i = 0; i < expected.length; i++) { // pooled values reach ~50: relative to their size (batched vs single calls)
                assertEquals(expected[i], got.get(i), TOLERANCE * Math.max(1, Math.abs(expected[i])));
            }
        }
    }

    @Test
    void aGreyModelTrainedOnImagesAsStoredTakesPhotosScaledToItsInputAsLuminance() throws Exception {
        // a Fashion-MNIST-like record: 1x28x28, pixels as stored (no resize recorded)
        org.sparkresnet.model.record.ModelRecord grey = new org.sparkresnet.model.record.ModelRecord("resnet20",
                new org.sparkresnet.model.InputShape(1, 28, 28), InferenceFixtures.LABELS, null, new float[] {0.286f}, new float[] {0.353f},
                0, 0, "fashion-mnist", "random weights");
        ComputationGraph greyNet = ResNets.build(org.sparkresnet.model.ModelRequest.of("resnet20", grey.input(), InferenceFixtures.LABELS.size()));
        java.nio.file.Path zip = work.resolve("grey.zip");
        org.sparkresnet.jobs.store.ModelStore.save(greyNet, new org.apache.hadoop.fs.Path(zip.toUri()), new org.apache.hadoop.conf.Configuration(), false, grey);
        List<Row> rows = model().setModelUri(zip.toUri().toString()).transform(files().filter(col("path").endsWith(".png")
                .and(col("path").endsWith(InferenceFixtures.CORRUPT).unary_$bang()))).collectAsList();
        assertEquals(7, rows.size());
        for (Row row : rows) {
            byte[] rgb = new byte[3 * 28 * 28];
            new org.sparkresnet.data.image.ImageDecoder(new org.sparkresnet.data.image.ImagePreprocessing(28, 28)).decodeInto(row.getAs("content"), rgb, 0);
            float[] x = new float[28 * 28];
            for (int p = 0; p < x.length; p++) {
                long luminance = Math.round(0.299 * (rgb[p] & 0xFF) + 0.587 * (rgb[784 + p] & 0xFF) + 0.114 * (rgb[2 * 784 + p] & 0xFF));
                x[p] = (luminance / 255f - 0.286f) / 0.353f;
            }
            float[] expected = greyNet.output(false, org.nd4j.linalg.factory.Nd4j.create(x, new long[] {1, 1, 28, 28}, 'c'))[0].toFloatVector();
            Map<String, Float> got = byLabel(row.getAs("prediction"));
            for (int c = 0; c < expected.length; c++) {
                assertEquals(expected[c], got.get(InferenceFixtures.LABELS.get(c)), TOLERANCE, (String) row.getAs("path"));
            }
        }
    }

    @Test
    void failOnErrorFailsTheJobNamingTheFile() {
        SparkException failure = assertThrows(SparkException.class, () -> model().setFailOnError(true).transform(files()).count());
        assertTrue(failure.getMessage().contains(InferenceFixtures.BROKEN) && failure.getMessage().contains("truncated JPEG"), failure.getMessage());
    }

    @Test
    void aWrongInputColumnIsNamedWithWhatItShouldBe() {
        Dataset<Row> paths = files().select("path", "length");
        IllegalArgumentException wrongType = assertThrows(IllegalArgumentException.class, () -> model().setInputCol("path").transform(paths));
        assertTrue(wrongType.getMessage().contains("input column 'path' must be an image struct") && wrongType.getMessage().contains("got string"),
                wrongType.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> model().setInputCol("image").transform(paths));
        assertTrue(missing.getMessage().contains("input column 'image' is not among the columns"), missing.getMessage());
        IllegalArgumentException noModel = assertThrows(IllegalArgumentException.class,
                () -> model().setModelUri(work.resolve("none.zip").toUri().toString()).transform(files()));
        assertTrue(noModel.getMessage().startsWith("no model at "), noModel.getMessage());
    }

    @Test
    void savedToHdfsItLoadsWithItsOwnCopyOfTheModelAndPredictsTheSame() throws Exception {
        try (org.sparkresnet.jobs.MiniHdfs hdfs = org.sparkresnet.jobs.MiniHdfs.start("infer-minidfs")) {
            String saved = hdfs.uri() + "/models/resnet-transformer";
            java.nio.file.Path original = work.resolve("to-be-deleted.zip");
            Files.copy(work.resolve("model.zip"), original);
            ResNetModel model = model().setModelUri(original.toUri().toString()).setTopK(3).setBatchSize(7);
            List<Row> expected = model.transform(files()).select("path", "prediction", "error").collectAsList();
            model.write().save(saved);
            Files.delete(original); // the saved transformer must not need it

            ResNetModel loaded = ResNetModel.load(saved);
            assertEquals(saved + "/" + ResNetModel.SAVED_MODEL, loaded.getModelUri());
            assertEquals(3, loaded.getTopK());
            assertEquals(7, loaded.getBatchSize());
            assertEquals(model.uid(), loaded.uid());
            assertEquals(expected, loaded.transform(files()).select("path", "prediction", "error").collectAsList());
            assertNotNull(expected.get(0));
        }
    }
}
