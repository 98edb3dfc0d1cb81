package org.sparkresnet.jobs.infer;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.jobs.store.ModelStore;
import org.sparkresnet.model.record.ModelRecord;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;

/**
 * The predict and features jobs' library half: opens the inputs, runs a {@link ResNetModel} over them and writes the
 * rows (path, [trueLabel,] labels + probabilities or features, error) atomically; prints images, seconds and images/s.
 * CSV holds no arrays, so predictions are flattened to label_1, probability_1, ... label_k, probability_k there.
 */
public final class InferenceJob {
    public static final String LABELS = OutputKind.LABELS;
    public static final String PROBABILITIES = OutputKind.PROBABILITIES;
    public static final String FEATURES = "features";
    public static final String ERROR = "error";
    private static final String OUTPUT = "resnet_output";
    private static final String MODEL_ERROR = "resnet_error";

    private InferenceJob() {
    }

    /** What a run did. */
    public record Result(long images, long unreadable, double seconds, String output) {
        public double imagesPerSecond() {
            return images / Math.max(seconds, 1e-9);
        }
    }

    public static Result run(SparkSession spark, InferenceRequest request, PrintStream out) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path output = new Path(HadoopFiles.qualify(request.output(), conf));
        OutputFolder.checkWritable(output, request.overwrite(), conf);
        String modelUri = HadoopFiles.qualify(request.model(), conf);
        ModelRecord record = ModelStore.requireRecord(new Path(modelUri), conf); // the record only: tasks load the network
        out.println("model " + modelUri + ": " + record);
        InferenceInputs.Input input = InferenceInputs.open(spark, request.inputs(), request.inputList(), record, request.failOnError());
        ResNetModel model = new ResNetModel().setModelUri(modelUri).setInputCol(InferenceInputs.CONTENT).setPathCol(InferenceInputs.PATH)
                .setOutputCol(OUTPUT).setErrorCol(MODEL_ERROR).setOutputKind(request.kind().paramValue()).setTopK(request.topK())
                .setBatchSize(request.batchSize()).setFailOnError(request.failOnError())
                .setInputFormat(input.pixels() ? InputKind.PIXELS_FORMAT : InputKind.AUTO);
        Dataset<Row> result = model.transform(input.rows());
        OutputFolder.Format format = OutputFolder.Format.of(request.format());
        Dataset<Row> rows = result.select(columns(request, input.pixels(), format, Math.min(request.topK(), record.numClasses())));
        out.println((request.kind() == OutputKind.FEATURES ? "features" : "predict") + ": " + input.description() + " -> " + output
                + " (" + format.sparkName() + ", batch " + request.batchSize() + ")");
        long start = System.nanoTime();
        OutputFolder.write(rows, format, output, request.overwrite(), conf);
        double seconds = (System.nanoTime() - start) / 1e9;
        Dataset<Row> written = spark.read().format(format.sparkName()).option("header", "true").load(output.toString());
        long images = written.count();
        long unreadable = Arrays.asList(written.columns()).contains(ERROR) ? written.filter(col(ERROR).isNotNull()).count() : 0;
        Result done = new Result(images, unreadable, seconds, output.toString());
        out.printf("%d images (%d unreadable) in %.1f s: %.1f images/s; wrote %s%n", images, unreadable, seconds, done.imagesPerSecond(), output);
        return done;
    }

    private static Column[] columns(InferenceRequest request, boolean pixels, OutputFolder.Format format, int k) {
        List<Column> columns = new ArrayList<>();
        columns.add(col(InferenceInputs.PATH));
        if (pixels) {
            columns.add(col(InferenceInputs.TRUE_LABEL));
        }
        if (request.kind() == OutputKind.FEATURES) {
            columns.add(col(OUTPUT).as(FEATURES));
        } else if (format == OutputFolder.Format.CSV) {
            for (int i = 0; i < k; i++) {
                columns.add(col(OUTPUT).getField(LABELS).getItem(i).as("label_" + (i + 1)));
                columns.add(col(OUTPUT).getField(PROBABILITIES).getItem(i).as("probability_" + (i + 1)));
            }
        } else {
            columns.add(col(OUTPUT).getField(LABELS).as(LABELS));
            columns.add(col(OUTPUT).getField(PROBABILITIES).as(PROBABILITIES));
        }
        columns.add(coalesce(col(InferenceInputs.READ_ERROR), col(MODEL_ERROR)).as(ERROR));
        return columns.toArray(Column[]::new);
    }
}
