package org.sparkresnet.jobs.infer;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.clustering.KMeans;
import org.apache.spark.ml.clustering.KMeansModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.data.Preprocessing;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.data.image.ImagePreprocessing;
import org.sparkresnet.data.shard.ShardFormat;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.jobs.cli.Main;
import org.sparkresnet.model.ResNets;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.apache.spark.ml.functions.array_to_vector;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** resnet predict and resnet features as a user runs them (local[2]), their outputs read back with Spark. */
class PredictJobTest {
    @TempDir
    static java.nio.file.Path work;
    static java.nio.file.Path photos;
    static String model;
    static ComputationGraph net;

    @BeforeAll
    static void prepare() throws Exception {
        photos = InferenceFixtures.photos(work.resolve("photos"));
        net = InferenceFixtures.randomNet();
        model = InferenceFixtures.save(net, work.resolve("model.zip"), true);
    }

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err, true));
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = cli.execute(args);
        } finally {
            System.setOut(stdout);
        }
        Run run = new Run(exit, captured.toString(StandardCharsets.UTF_8), err.toString());
        System.out.println(run.out() + run.err());
        return run;
    }

    static Run predict(String output, String... extra) {
        List<String> args = new ArrayList<>(List.of("predict", "--model", model, "--output", work.resolve(output).toString(), "--master", "local[2]"));
        args.addAll(List.of(extra));
        return run(args.toArray(String[]::new));
    }

    static void withSpark(Consumer<SparkSession> body) {
        SparkSession spark = SparkSession.builder().config(SparkContexts.conf("predict-test-reader", "local[2]")).getOrCreate();
        try {
            body.accept(spark);
        } finally {
            spark.stop();
        }
    }

    static void assertTopK(List<String> labels, List<Double> probabilities, int k, String what) {
        assertEquals(k, labels.size(), what);
        assertTrue(InferenceFixtures.LABELS.containsAll(labels), "labels from the model's record: " + labels);
        assertEquals(k, labels.stream().distinct().count(), what);
        double sum = 0;
        for (int i = 0; i < k; i++) {
            assertTrue(i == 0 || probabilities.get(i - 1) >= probabilities.get(i), "sorted: " + probabilities);
            sum += probabilities.get(i);
        }
        assertTrue(sum <= 1 + 1e-6 && sum > 0, "top-" + k + " probabilities sum to at most 1: " + probabilities);
    }

    @Test
    void predictWritesParquetJsonAndCsvThatReadBack() {
        Run parquet = predict("p.parquet", "--input", photos.toString(), "--top-k", "3", "--batch-size", "4");
        assertEquals(0, parquet.exit(), parquet.err());
        assertTrue(parquet.out().contains((InferenceFixtures.imageCount() + 2) + " images (2 unreadable) in ") && parquet.out().contains(" images/s"),
                parquet.out());
        Run json = predict("p.json", "--input", photos.toString(), "--top-k", "3", "--format", "json");
        assertEquals(0, json.exit(), json.err());
        Run csv = predict("p.csv", "--input", photos.toString(), "--top-k", "3", "--format", "csv");
        assertEquals(0, csv.exit(), csv.err());
        Run exists = predict("p.csv", "--input", photos.toString(), "--format", "csv");
        assertEquals(2, exists.exit());
        assertEquals("predict: error: output file:" + work.resolve("p.csv") + " exists: choose another --output or add --overwrite",
                exists.err().strip());
        Run overwrite = predict("p.csv", "--input", photos.toString(), "--top-k", "2", "--format", "csv", "--overwrite");
        assertEquals(0, overwrite.exit(), overwrite.err());
        assertFalse(hasTemporaryFolders(), "no temporary folder left beside the outputs");

        withSpark(spark -> {
            Map<String, List<Object>> parquetRows = new HashMap<>();
            List<Row> rows = spark.read().parquet(work.resolve("p.parquet").toString()).collectAsList();
            assertEquals(InferenceFixtures.imageCount() + InferenceFixtures.UNREADABLE, rows.size());
            assertEquals(List.of("path", "labels", "probabilities", "error"),
                    List.of(spark.read().parquet(work.resolve("p.parquet").toString()).columns()));
            for (Row row : rows) {
                String path = row.getAs("path");
                if (path.endsWith(InferenceFixtures.BROKEN) || path.endsWith(InferenceFixtures.CORRUPT)) {
                    assertNull(row.getAs("labels"));
                    assertTrue(((String) row.getAs("error")).contains(path.substring(path.lastIndexOf('/') + 1)), row.toString());
                    continue;
                }
                List<String> labels = row.getList(1);
                List<Double> probabilities = row.<Float>getList(2).stream().map(Float::doubleValue).toList();
                assertTopK(labels, probabilities, 3, path);
                parquetRows.put(path, List.of(labels, probabilities));
            }
            for (Row row : spark.read().json(work.resolve("p.json").toString()).collectAsList()) {
                String path = row.getAs("path");
                if (row.isNullAt(row.fieldIndex("error"))) {
                    assertEquals(parquetRows.get(path).get(0), row.getList(row.fieldIndex("labels")), path);
                    List<Double> probabilities = row.getList(row.fieldIndex("probabilities"));
                    assertTopK(row.getList(row.fieldIndex("labels")), probabilities, 3, path);
                }
            }
            Dataset<Row> csvRows = spark.read().option("header", "true").option("inferSchema", "true").csv(work.resolve("p.csv").toString());
            assertEquals(List.of("path", "label_1", "probability_1", "label_2", "probability_2", "error"), List.of(csvRows.columns()));
            assertEquals(InferenceFixtures.imageCount() + InferenceFixtures.UNREADABLE, csvRows.count());
            for (Row row : csvRows.collectAsList()) {
                String path = row.getAs("path");
                if (row.isNullAt(row.fieldIndex("error"))) {
                    List<?> expected = (List<?>) parquetRows.get(path).get(0);
                    assertEquals(expected.subList(0, 2), List.of(row.getAs("label_1"), row.getAs("label_2")), path);
                }
            }
        });
    }

    private static boolean hasTemporaryFolders() {
        try (var files = Files.list(work)) {
            return files.anyMatch(f -> f.getFileName().toString().contains(".tmp-"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aPreparedSplitGivesTheSamePredictionsAsItsFilesWithTheTrueLabel() throws Exception {
        // a split prepared as the prepare job does: the files decoded and cropped by the same decoder, in two shards
        List<String> files = InferenceFixtures.TOP.subList(0, 7);
        java.nio.file.Path split = work.resolve("split");
        Files.createDirectories(split);
        byte[] all = new byte[files.size() * 3 * 32 * 32];
        int[] classes = new int[files.size()];
        for (int i = 0; i < files.size(); i++) {
            byte[] pixels = InferenceFixtures.filePixels(Files.readAllBytes(photos.resolve(files.get(i))));
            System.arraycopy(pixels, 0, all, i * pixels.length, pixels.length);
            classes[i] = i % InferenceFixtures.LABELS.size();
        }
        Configuration conf = new Configuration();
        var fs = new Path(split.toUri()).getFileSystem(conf);
        long bytes = ShardFormat.write(java.util.Arrays.copyOfRange(all, 0, 4 * 3072), java.util.Arrays.copyOf(classes, 4), InferenceFixtures.RECORD.input(),
                fs, new Path(split.toUri().toString(), ShardFormat.fileName(0)));
        bytes += ShardFormat.write(java.util.Arrays.copyOfRange(all, 4 * 3072, all.length), java.util.Arrays.copyOfRange(classes, 4, 7),
                InferenceFixtures.RECORD.input(), fs, new Path(split.toUri().toString(), ShardFormat.fileName(1)));
        long[] counts = new long[InferenceFixtures.LABELS.size()];
        for (int c : classes) {
            counts[c]++;
        }
        SplitManifest.of("folder", "test", photos.toString(), counts, InferenceFixtures.LABELS, InferenceFixtures.LABELS,
                InferenceFixtures.RECORD.input(), bytes, 4, List.of(ShardFormat.fileName(0), ShardFormat.fileName(1)), List.of(4, 3),
                InferenceFixtures.RECORD.mean(), InferenceFixtures.RECORD.std(), Preprocessing.of(new ImagePreprocessing(32, 36), -1),
                List.of(), Map.of()).write(new Path(split.toUri()), conf);

        Run run = predict("split.parquet", "--input", split.toString(), "--top-k", "5", "--batch-size", "2");
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("7 images (0 unreadable)"), run.out());
        withSpark(spark -> {
            List<Row> rows = spark.read().parquet(work.resolve("split.parquet").toString()).orderBy("path").collectAsList();
            assertEquals(List.of("path", "trueLabel", "labels", "probabilities", "error"),
                    List.of(spark.read().parquet(work.resolve("split.parquet").toString()).columns()));
            assertEquals(7, rows.size());
            for (Row row : rows) {
                String path = row.getAs("path");
                int shard = path.contains(ShardFormat.fileName(0)) ? 0 : 1;
                int index = shard * 4 + Integer.parseInt(path.substring(path.indexOf('#') + 1));
                assertEquals(InferenceFixtures.LABELS.get(classes[index]), row.getAs("trueLabel"));
                byte[] pixels = java.util.Arrays.copyOfRange(all, index * 3072, (index + 1) * 3072);
                float[] expected = InferenceFixtures.direct(net, pixels, ResNets.OUTPUT);
                List<String> labels = row.getList(2);
                List<Float> probabilities = row.getList(3);
                for (int i = 0; i < labels.size(); i++) {
                    assertEquals(expected[InferenceFixtures.LABELS.indexOf(labels.get(i))], probabilities.get(i), 1e-5, path);
                }
            }
        });
    }

    @Test
    void featuresReadBackAsVectorsThatKMeansAndLogisticRegressionFit() throws Exception {
        java.nio.file.Path list = work.resolve("list.txt");
        Files.writeString(list, "# three files and one that does not exist\n" + photos.resolve("fruits.jpg").toUri() + "\n"
                + photos.resolve("pic1.png") + "\n\n" + photos.resolve("sub/ml.png").toUri() + "\n" + photos.resolve("missing.jpg").toUri() + "\n");
        Run run = run("features", "--model", model, "--input", photos.toString(), "--input-list", list.toString(), "--output",
                work.resolve("features").toString(), "--master", "local[2]", "--batch-size", "5");
        assertEquals(0, run.exit(), run.err());
        int expected = InferenceFixtures.imageCount() + InferenceFixtures.UNREADABLE + 4;
        assertTrue(run.out().contains(expected + " images (3 unreadable)") && run.out().contains("images/s"), run.out());
        withSpark(spark -> {
            Dataset<Row> features = spark.read().parquet(work.resolve("features").toString());
            assertEquals(List.of("path", "features", "error"), List.of(features.columns()));
            Row missing = features.filter(col("path").endsWith("missing.jpg")).first();
            assertTrue(((String) missing.getAs("error")).contains("cannot read"), missing.toString());
            Dataset<Row> vectors = features.filter(col("error").isNull())
                    .select(col("path"), array_to_vector(col("features")).as("features"),
                            when(col("path").endsWith(".png"), 1.0).otherwise(0.0).as("label"));
            assertEquals(InferenceFixtures.imageCount() + 3, vectors.count());
            Vector first = vectors.first().getAs("features");
            assertEquals(ResNets.featureWidth("resnet20"), first.size());
            KMeansModel kmeans = new KMeans().setK(2).setSeed(1).fit(vectors);
            assertEquals(2, kmeans.clusterCenters().length);
            assertEquals(vectors.count(), kmeans.transform(vectors).filter(col("prediction").isNotNull()).count());
            LogisticRegressionModel logistic = new LogisticRegression().setMaxIter(20).fit(vectors);
            assertEquals(64, logistic.coefficients().size());
            assertEquals(vectors.count(), logistic.transform(vectors).select("prediction").count());
        });
    }

    @Test
    void badInputExitsWithTwoAndOneLine() throws Exception {
        Run noModel = run("predict", "--model", work.resolve("none.zip").toString(), "--input", photos.toString(),
                "--output", work.resolve("x").toString(), "--master", "local[2]");
        assertEquals(2, noModel.exit());
        assertTrue(noModel.err().strip().startsWith("predict: error: no model at ") && !noModel.err().strip().contains("\n"), noModel.err());

        String plain = InferenceFixtures.save(net, work.resolve("plain.zip"), false);
        Run noRecord = run("features", "--model", plain, "--input", photos.toString(), "--output", work.resolve("y").toString(), "--master", "local[2]");
        assertEquals(2, noRecord.exit());
        assertTrue(noRecord.err().contains("has no sparkresnet/model-record.json") && !noRecord.err().strip().contains("\n"), noRecord.err());

        Run noInput = predict("z", "--input", work.resolve("nothing-here").toString());
        assertEquals(2, noInput.exit());
        assertTrue(noInput.err().strip().startsWith("predict: error: no input at "), noInput.err());

        Run badFormat = predict("w", "--input", photos.toString(), "--format", "xml");
        assertEquals(2, badFormat.exit());
        assertTrue(badFormat.err().contains("--format must be parquet, json or csv, got 'xml'"), badFormat.err());

        Run failOnError = predict("v", "--input", photos.toString(), "--fail-on-error");
        assertEquals(2, failOnError.exit());
        assertTrue(failOnError.err().contains(InferenceFixtures.BROKEN), failOnError.err());
        // the failed job's other tasks finish before its temporary folder is removed, so none recreates it afterwards
        assertFalse(hasTemporaryFolders(), "a failed job leaves no temporary folder");
        assertFalse(Files.exists(work.resolve("v")), "no output from a failed run");
    }
}
