package org.sparkresnet.jobs.infer;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparkresnet.data.spark.SparkContexts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "features", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The pooled feature vector of images (512 for resnet18/34, 2048 for resnet50/101/152, 64 for resnet20..110)",
                "with a saved model, on Spark: writes Parquet with path, features (array<float>) and error (plus trueLabel for",
                "prepared splits). Read it back as a Spark ML vector with org.apache.spark.ml.functions.array_to_vector.",
                "Prints images, seconds and images/s."})
public final class FeaturesCommand implements Callable<Integer> {
    @Mixin
    InferenceOptions options;

    @Override
    public Integer call() {
        InferenceRequest request = new InferenceRequest(OutputKind.FEATURES, options.model, options.inputs, options.inputList,
                options.output, "parquet", 1, options.batchSize, options.failOnError, options.overwrite);
        try (JavaSparkContext sc = SparkContexts.create("resnet-features", options.master)) {
            InferenceJob.run(SparkSession.builder().sparkContext(sc.sc()).getOrCreate(), request, System.out);
        }
        return 0;
    }
}
