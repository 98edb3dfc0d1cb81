package org.sparkresnet.jobs.infer;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsReader$;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.jobs.store.ModelStore;
import org.sparkresnet.data.fs.SerializableConfiguration;
import scala.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * A saved ResNet as a Spark ML Transformer: appends to every row the model's top-k classes (labels and probabilities,
 * most probable first) or its pooled feature vector, and an error column. The input column is an image struct
 * ({@code spark.read.format("image")}, invalid rows included), the bytes of an image file ({@code binaryFile}'s
 * {@code content}), or, with inputFormat {@code pixels}, uint8 CHW pixels already at the model's input size. Images are
 * prepared as the model's record says (resize, centre crop, mean/std), so labels and preprocessing never need
 * repeating.
 *
 * <p>Rows, their order and the partitioning are kept: each partition's rows go through the network {@code batchSize} at
 * a time; each executor JVM reads the model once and each running task uses its own copy of the network. An image
 * that cannot be read gets a null output and a message in the error column (or, with failOnError, fails the job naming
 * the file). {@link #write()} saves the params and a copy of model.zip under the save path (any Hadoop URI), so that a
 * saved transformer loads anywhere with {@link #load(String)}.
 */
public final class ResNetModel extends Transformer implements MLWritable {
    private static final long serialVersionUID = 1L;
    /** Where {@link #write()} puts the copy of model.zip, under the save path. */
    public static final String SAVED_MODEL = "model/model.zip";

    private final String uid;
    private final Param<String> modelUri;
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> outputKind;
    private final Param<String> inputFormat;
    private final Param<String> pathCol;
    private final Param<String> errorCol;
    private final IntParam topK;
    private final IntParam batchSize;
    private final BooleanParam failOnError;

    public ResNetModel() {
        this(Identifiable$.MODULE$.randomUID("resnet"));
    }

    public ResNetModel(String uid) {
        this.uid = uid;
        modelUri = new Param<>(this, "modelUri", "model zip with its record (class names, preprocessing), any Hadoop URI");
        inputCol = new Param<>(this, "inputCol", "image struct, image file bytes, or (inputFormat pixels) uint8 CHW pixels");
        outputCol = new Param<>(this, "outputCol", "top-k struct<labels, probabilities>, or the feature vector array<float>");
        outputKind = new Param<>(this, "outputKind", "predictions (top-k labels and probabilities) or features (pooled vector)",
                ParamValidators.inArray(new String[] {"predictions", "features"}));
        inputFormat = new Param<>(this, "inputFormat", "auto (image struct or file bytes) or pixels (uint8 CHW at the model's input size)",
                ParamValidators.inArray(new String[] {InputKind.AUTO, InputKind.PIXELS_FORMAT}));
        pathCol = new Param<>(this, "pathCol", "column naming the file in error messages, when present (binaryFile's path)");
        errorCol = new Param<>(this, "errorCol", "why a row's image could not be used; null for rows that have an output");
        topK = new IntParam(this, "topK", "how many classes to give per image (at most the model's)", ParamValidators.gtEq(1));
        batchSize = new IntParam(this, "batchSize", "images per network call", ParamValidators.gtEq(1));
        failOnError = new BooleanParam(this, "failOnError", "fail the job on an unreadable image instead of a null output");
        setDefault(inputCol, "image");
        setDefault(outputCol, "prediction");
        setDefault(outputKind, "predictions");
        setDefault(inputFormat, InputKind.AUTO);
        setDefault(pathCol, "path");
        setDefault(errorCol, "error");
        setDefault(topK, 5);
        setDefault(batchSize, 32);
        setDefault(failOnError, false);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> modelUri() { return modelUri; }
    public Param<String> inputCol() { return inputCol; }
    public Param<String> outputCol() { return outputCol; }
    public Param<String> outputKind() { return outputKind; }
    public Param<String> inputFormat() { return inputFormat; }
    public Param<String> pathCol() { return pathCol; }
    public Param<String> errorCol() { return errorCol; }
    public IntParam topK() { return topK; }
    public IntParam batchSize() { return batchSize; }
    public BooleanParam failOnError() { return failOnError; }

    public String getModelUri() { return $(modelUri); }
    public String getInputCol() { return $(inputCol); }
    public String getOutputCol() { return $(outputCol); }
    public String getOutputKind() { return $(outputKind); }
    public String getInputFormat() { return $(inputFormat); }
    public String getPathCol() { return $(pathCol); }
    public String getErrorCol() { return $(errorCol); }
    public int getTopK() { return (Integer) $(topK); }
    public int getBatchSize() { return (Integer) $(batchSize); }
    public boolean getFailOnError() { return (Boolean) $(failOnError); }

    public ResNetModel setModelUri(String value) { return (ResNetModel) set(modelUri, value); }
    public ResNetModel setInputCol(String value) { return (ResNetModel) set(inputCol, value); }
    public ResNetModel setOutputCol(String value) { return (ResNetModel) set(outputCol, value); }
    public ResNetModel setOutputKind(String value) { return (ResNetModel) set(outputKind, OutputKind.of(value).paramValue()); }
    public ResNetModel setInputFormat(String value) { return (ResNetModel) set(inputFormat, value); }
    public ResNetModel setPathCol(String value) { return (ResNetModel) set(pathCol, value); }
    public ResNetModel setErrorCol(String value) { return (ResNetModel) set(errorCol, value); }
    public ResNetModel setTopK(int value) { return (ResNetModel) set(topK, value); }
    public ResNetModel setBatchSize(int value) { return (ResNetModel) set(batchSize, value); }
    public ResNetModel setFailOnError(boolean value) { return (ResNetModel) set(failOnError, value); }

    @Override
    public StructType transformSchema(StructType schema) {
        String input = getInputCol();
        if (!Arrays.asList(schema.fieldNames()).contains(input)) {
            throw new IllegalArgumentException("input column '" + input + "' is not among the columns " + Arrays.toString(schema.fieldNames()));
        }
        InputKind.of(input, schema.apply(input).dataType(), getInputFormat());
        for (String added : new String[] {getOutputCol(), getErrorCol()}) {
            if (Arrays.asList(schema.fieldNames()).contains(added)) {
                throw new IllegalArgumentException("output column '" + added + "' already exists; set another outputCol/errorCol");
            }
        }
        if (getOutputCol().equals(getErrorCol())) {
            throw new IllegalArgumentException("outputCol and errorCol are both '" + getOutputCol() + "'");
        }
        return schema
                .add(new StructField(getOutputCol(), OutputKind.of(getOutputKind()).type(), true, org.apache.spark.sql.types.Metadata.empty()))
                .add(new StructField(getErrorCol(), DataTypes.StringType, true, org.apache.spark.sql.types.Metadata.empty()));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        if (!isDefined(modelUri)) {
            throw new IllegalArgumentException("modelUri is not set: the model zip to run");
        }
        Configuration hadoop = dataset.sparkSession().sparkContext().hadoopConfiguration();
        String uri = HadoopFiles.qualify(getModelUri(), hadoop);
        // on the driver, the record only (not the network): a missing model or record fails here, before any task
        ModelStore.requireRecord(new Path(uri), hadoop);
        StructType in = dataset.schema();
        String input = getInputCol();
        int pathIndex = Arrays.asList(in.fieldNames()).indexOf(getPathCol());
        BatchInference work = new BatchInference(uri, new SerializableConfiguration(hadoop), in.fieldIndex(input), pathIndex,
                InputKind.of(input, in.apply(input).dataType(), getInputFormat()), OutputKind.of(getOutputKind()), getTopK(),
                getBatchSize(), getFailOnError());
        JavaRDD<Row> rows = dataset.toDF().javaRDD().mapPartitions(work);
        return dataset.sparkSession().createDataFrame(rows, out);
    }

    @Override
    public ResNetModel copy(ParamMap extra) {
        return (ResNetModel) defaultCopy(extra);
    }

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    public static MLReader<ResNetModel> read() {
        return new Reader();
    }

    public static ResNetModel load(String path) {
        return read().load(path);
    }

    /** Spark ML's metadata (params) under {@code path}, and a copy of the model zip at {@code path}/{@link #SAVED_MODEL}. */
    private static final class Writer extends MLWriter {
        private final ResNetModel instance;

        Writer(ResNetModel instance) {
            this.instance = instance;
        }

        @Override
        public void saveImpl(String path) {
            if (!instance.isDefined(instance.modelUri)) {
                throw new IllegalArgumentException("modelUri is not set: nothing to save");
            }
            Configuration conf = sc().hadoopConfiguration();
            Path source = new Path(HadoopFiles.qualify(instance.getModelUri(), conf));
            Path target = new Path(path, SAVED_MODEL);
            DefaultParamsWriter$.MODULE$.saveMetadata(instance, path, sc(), Option.empty(), Option.empty());
            try {
                FileSystem targetFs = HadoopFiles.fileSystem(target, conf);
                Path temporary = new Path(target.getParent(), "." + target.getName() + ".tmp");
                if (!FileUtil.copy(HadoopFiles.fileSystem(source, conf), source, targetFs, temporary, false, true, conf)
                        || !targetFs.rename(temporary, target)) {
                    throw new IOException("copy failed");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot copy model " + source + " to " + target + ": " + e.getMessage(), e);
            }
        }
    }

    /** Params from the metadata; the model is the saved copy beside it, wherever the original was. */
    private static final class Reader extends MLReader<ResNetModel> {
        @Override
        public ResNetModel load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader$.MODULE$.loadMetadata(path, sc(), ResNetModel.class.getName());
            ResNetModel model = new ResNetModel(metadata.uid());
            metadata.getAndSetParams(model, Option.empty());
            Configuration conf = sc().hadoopConfiguration();
            return model.setModelUri(HadoopFiles.qualify(new Path(path, SAVED_MODEL).toString(), conf));
        }
    }
}
