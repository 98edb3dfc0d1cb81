package org.sparkresnet.jobs.infer;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparkresnet.data.spark.SparkContexts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Top-k classes of images with a saved model, on Spark: writes path, labels (top-k, most probable first),",
                "probabilities and error (plus trueLabel for prepared splits) as Parquet, JSON lines or CSV (CSV flattens",
                "to label_1, probability_1, ... label_k, probability_k). Class names and preprocessing come from the model.",
                "Prints images, seconds and images/s."})
public final class PredictCommand implements Callable<Integer> {
    @Mixin
    InferenceOptions options;
    @Option(names = "--format", defaultValue = "parquet", description = "parquet, json or csv; default: ${DEFAULT-VALUE}")
    String format;
    @Option(names = "--top-k", defaultValue = "5", description = "classes per image (at most the model's); default: ${DEFAULT-VALUE}")
    int topK;

    @Override
    public Integer call() {
        InferenceRequest request = new InferenceRequest(OutputKind.PREDICTIONS, options.model, options.inputs, options.inputList,
                options.output, format, topK, options.batchSize, options.failOnError, options.overwrite);
        try (JavaSparkContext sc = SparkContexts.create("resnet-predict", options.master)) {
            InferenceJob.run(SparkSession.builder().sparkContext(sc.sc()).getOrCreate(), request, System.out);
        }
        return 0;
    }
}
