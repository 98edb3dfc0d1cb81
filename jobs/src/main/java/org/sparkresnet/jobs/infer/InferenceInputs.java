package org.sparkresnet.jobs.infer;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.data.fs.SerializableConfiguration;
import org.sparkresnet.data.image.ImageTreeLister;
import org.sparkresnet.data.shard.Minibatches;
import org.sparkresnet.data.shard.ShardFormat;
import org.sparkresnet.model.record.ModelRecord;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * The predict and features jobs' inputs as one DataFrame of (path, content, trueLabel, readError): image files found
 * under folder trees (recursively, by extension) or named one per line in a list file, read by Spark's binaryFile
 * source or on the executors; or the examples of prepared splits (a folder holding manifest.json), whose content is
 * pixels already at the model's input size and whose true label is known. The two kinds do not mix in one run.
 */
public final class InferenceInputs {
    public static final String PATH = "path";
    public static final String CONTENT = "content";
    public static final String TRUE_LABEL = "trueLabel";
    public static final String READ_ERROR = "readError";
    /** binaryFile's pathGlobFilter for {@link ImageTreeLister#IMAGE_EXTENSIONS}, lower and upper case. */
    static final String IMAGE_GLOB = "*.{" + ImageTreeLister.IMAGE_EXTENSIONS.stream().sorted()
            .flatMap(e -> java.util.stream.Stream.of(e, e.toUpperCase(Locale.ROOT))).collect(Collectors.joining(",")) + "}";

    static final StructType SCHEMA = new StructType()
            .add(PATH, DataTypes.StringType, false)
            .add(CONTENT, DataTypes.BinaryType, true)
            .add(TRUE_LABEL, DataTypes.StringType, true)
            .add(READ_ERROR, DataTypes.StringType, true);

    private InferenceInputs() {
    }

    /** The rows, and whether their content is pixels (prepared splits) rather than image files. */
    public record Input(Dataset<Row> rows, boolean pixels, String description) {
    }

    /**
     * @param inputs    folder trees, image files or prepared split folders (any Hadoop URIs)
     * @param inputList a text file of image URIs, one per line ('#' comments and blank lines skipped); may be null
     * @param failOnError a listed file that cannot be read fails the job (else its row carries the read error)
     * @throws IllegalArgumentException for an input that does not exist, splits mixed with images, a split whose
     *                                  image shape is not the model's, or no input at all
     */
    public static Input open(SparkSession spark, List<String> inputs, String inputList, ModelRecord record, boolean failOnError) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        List<String> splits = new ArrayList<>();
        List<String> images = new ArrayList<>();
        for (String input : inputs) {
            String uri = HadoopFiles.qualify(input, conf);
            Path path = new Path(uri);
            FileStatus status = status(path, conf);
            if (status == null) {
                throw new IllegalArgumentException("no input at " + uri);
            }
            if (status.isDirectory() && HadoopFiles.exists(new Path(path, SplitManifest.FILE_NAME), conf)) {
                splits.add(uri);
            } else {
                images.add(uri);
            }
        }
        if (!splits.isEmpty() && (!images.isEmpty() || inputList != null)) {
            throw new IllegalArgumentException("prepared splits " + splits + " cannot be mixed with image files in one run: run them separately");
        }
        if (!splits.isEmpty()) {
            return new Input(splitRows(spark, splits, record), true, splits.size() == 1 ? "split " + splits.get(0) : splits.size() + " splits");
        }
        List<Dataset<Row>> parts = new ArrayList<>();
        if (!images.isEmpty()) {
            parts.add(spark.read().format("binaryFile").option("recursiveFileLookup", "true").option("pathGlobFilter", IMAGE_GLOB)
                    .load(images.toArray(String[]::new))
                    .select(col(PATH), col(CONTENT), lit(null).cast(DataTypes.StringType).as(TRUE_LABEL),
                            lit(null).cast(DataTypes.StringType).as(READ_ERROR)));
        }
        if (inputList != null) {
            parts.add(listRows(spark, HadoopFiles.qualify(inputList, conf), failOnError));
        }
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("no input: give --input folders or files, or --input-list");
        }
        Dataset<Row> rows = parts.get(0);
        for (int i = 1; i < parts.size(); i++) {
            rows = rows.union(parts.get(i));
        }
        String description = (images.isEmpty() ? "" : images.size() + " folder(s)/file(s)") + (inputList == null ? "" : (images.isEmpty() ? "" : " and ")
                + "list " + inputList);
        return new Input(rows, false, description);
    }

    private static FileStatus status(Path path, Configuration conf) {
        try {
            return HadoopFiles.fileSystem(path, conf).getFileStatus(path);
        } catch (FileNotFoundException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** The files a list names, read on the executors; spread over the cluster's default parallelism. */
    private static Dataset<Row> listRows(SparkSession spark, String listUri, boolean failOnError) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        if (status(new Path(listUri), conf) == null) {
            throw new IllegalArgumentException("no input list at " + listUri);
        }
        Dataset<String> lines = spark.read().textFile(listUri)
                .filter((org.apache.spark.api.java.function.FilterFunction<String>) line -> !line.isBlank() && !line.strip().startsWith("#"));
        SerializableConfiguration serializable = new SerializableConfiguration(conf);
        JavaRDD<Row> rows = lines.repartition(Math.max(1, spark.sparkContext().defaultParallelism())).javaRDD()
                .mapPartitions((FlatMapFunction<Iterator<String>, Row>) paths -> new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return paths.hasNext();
                    }

                    @Override
                    public Row next() {
                        return read(paths.next().strip(), serializable.get(), failOnError);
                    }
                });
        return spark.createDataFrame(rows, SCHEMA);
    }

    private static Row read(String listed, Configuration conf, boolean failOnError) {
        String uri = HadoopFiles.qualify(listed, conf);
        Path path = new Path(uri);
        try (InputStream in = HadoopFiles.fileSystem(path, conf).open(path)) {
            return RowFactory.create(uri, in.readAllBytes(), null, null);
        } catch (IOException | UncheckedIOException e) {
            String message = uri + ": cannot read: " + e.getMessage();
            if (failOnError) {
                throw new IllegalArgumentException("cannot read image " + message + " (--fail-on-error is set)", e);
            }
            return RowFactory.create(uri, null, null, message);
        }
    }

    /** The examples of prepared splits: one partition per shard, path SHARD#INDEX, content the stored pixels. */
    private static Dataset<Row> splitRows(SparkSession spark, List<String> splits, ModelRecord record) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        List<String[]> shards = new ArrayList<>();
        for (String split : splits) {
            SplitManifest manifest = SplitManifest.read(split, conf);
            if (!manifest.shape().equals(record.input())) {
                throw new IllegalArgumentException("split " + split + " holds " + manifest.shape() + " images, model " + record.model()
                        + " takes " + record.input());
            }
            if (!manifest.labelNames().equals(record.labels())) {
                System.err.println("note: split " + split + " names its classes " + manifest.labelNames() + ", the model " + record.labels()
                        + "; trueLabel is the split's");
            }
            String labels = String.join("\n", manifest.labelNames());
            for (String shard : manifest.shards()) {
                shards.add(new String[] {new Path(split, shard).toString(), labels});
            }
        }
        SerializableConfiguration serializable = new SerializableConfiguration(conf);
        JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(shards, Math.max(1, shards.size()))
                .flatMap(shard -> shardRows(shard[0], List.of(shard[1].split("\n", -1)), serializable.get()));
        return spark.createDataFrame(rows, SCHEMA);
    }

    private static Iterator<Row> shardRows(String shardUri, List<String> labelNames, Configuration conf) {
        DataSet raw = ShardFormat.read(new Path(shardUri), conf);
        byte[] pixels = Minibatches.pixelBytes(raw);
        int n = raw.numExamples();
        int size = pixels.length / n;
        return new Iterator<>() { // one example's copy at a time: a shard's pixels are not held twice
            private int i;

            @Override
            public boolean hasNext() {
                return i < n;
            }

            @Override
            public Row next() {
                byte[] example = java.util.Arrays.copyOfRange(pixels, i * size, (i + 1) * size);
                Row row = RowFactory.create(shardUri + "#" + i, example, labelNames.get(raw.getLabels().getInt(i)), null);
                i++;
                return row;
            }
        };
    }
}
