package org.sparkresnet.jobs.cli;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.jobs.eval.EvaluationReport;
import org.sparkresnet.jobs.eval.Evaluator;
import org.sparkresnet.jobs.eval.SparkEvaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluates a saved model on a prepared split: prints accuracy and per-class figures and writes",
                "evaluation-SPLIT.json and evaluation-SPLIT.html (per-class accuracy, confusion matrix)."})
public final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "URI", description = "model zip written by 'train' (its --output/model.zip)")
    String model;
    @Option(names = "--data", required = true, paramLabel = "URI", description = "prepared dataset (output of 'prepare')")
    String data;
    @Option(names = "--split", defaultValue = "test", description = "split to evaluate on; default: ${DEFAULT-VALUE}")
    String split;
    @Option(names = "--report-dir", paramLabel = "URI", description = "where to write evaluation-SPLIT.json and .html; default: the model's directory")
    String reportDir;
    @Option(names = "--master", paramLabel = "URL", description = "Spark master when not launched by spark-submit; default: local[*]")
    String master;

    @Override
    public Integer call() {
        try (JavaSparkContext sc = SparkContexts.create("resnet-evaluate", master)) {
            SparkEvaluation.Result result = Evaluator.run(sc, model, new Path(data, split).toString());
            System.out.println(result.top1().stats());
            if (result.top5() != null) {
                System.out.printf("top-5 accuracy %.4f%n", result.top5Accuracy());
            }
            Path dir = new Path(HadoopFiles.qualify(reportDir != null ? reportDir : new Path(model).getParent().toString(),
                    sc.hadoopConfiguration()));
            Path page = EvaluationReport.write(dir, split, model, result, result.top1().getLabelsList(), sc.hadoopConfiguration());
            System.out.println("report: " + page);
            System.out.printf("%s accuracy %.4f (%d images)%n", split, result.accuracy(), result.top1().getNumRowCounter());
        }
        return 0;
    }
}
