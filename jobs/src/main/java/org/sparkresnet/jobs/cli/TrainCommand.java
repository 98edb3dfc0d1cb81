package org.sparkresnet.jobs.cli;

import org.apache.spark.api.java.JavaSparkContext;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.TrainResult;
import org.sparkresnet.jobs.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains a ResNet on a prepared dataset with Spark (parameter averaging),",
                "evaluates it on the test split after every epoch and saves model.zip and metrics.json."})
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, paramLabel = "URI", description = "prepared dataset (output of 'prepare', with train/ and test/)")
    String data;
    @Option(names = "--output", required = true, paramLabel = "URI", description = "where to write model.zip and metrics.json")
    String output;
    @Option(names = "--model", defaultValue = "resnet20", description = "model name (see 'summary --help'); default: ${DEFAULT-VALUE}")
    String model;
    @Option(names = "--epochs", defaultValue = "1", description = "passes over the training split; default: ${DEFAULT-VALUE}")
    int epochs;
    @Option(names = "--batch", defaultValue = "64", description = "minibatch size per worker; default: ${DEFAULT-VALUE}")
    int batch;
    @Option(names = "--updater", defaultValue = "adam", description = "adam or sgd (Nesterov momentum); default: ${DEFAULT-VALUE}")
    String updater;
    @Option(names = "--lr", defaultValue = "0.001", description = "learning rate; default: ${DEFAULT-VALUE}")
    double learningRate;
    @Option(names = "--momentum", defaultValue = "0.9", description = "momentum for sgd; default: ${DEFAULT-VALUE}")
    double momentum;
    @Option(names = "--weight-decay", defaultValue = "0", description = "L2 weight decay; default: ${DEFAULT-VALUE}")
    double weightDecay;
    @Option(names = "--averaging-frequency", defaultValue = "5", description = "minibatches per worker between parameter averaging; default: ${DEFAULT-VALUE}")
    int averagingFrequency;
    @Option(names = "--seed", defaultValue = "42", description = "random seed (weights, shuffling); default: ${DEFAULT-VALUE}")
    long seed;
    @Option(names = "--overwrite", description = "replace a model already in --output")
    boolean overwrite;
    @Option(names = "--master", paramLabel = "URL", description = "Spark master when not launched by spark-submit; default: local[*]")
    String master;
    @Option(names = "--progress-seconds", defaultValue = "10", description = "seconds between progress lines; default: ${DEFAULT-VALUE}")
    int progressSeconds;

    @Override
    public Integer call() {
        TrainRequest request = new TrainRequest(data, output, model, epochs, batch, updater, learningRate, momentum,
                weightDecay, averagingFrequency, seed, overwrite);
        PrintStream out = System.out;
        try (JavaSparkContext sc = SparkContexts.create("resnet-train", master)) {
            TrainResult result = new Trainer(sc, out, Duration.ofSeconds(progressSeconds)).run(request);
            out.printf("test accuracy %.4f%nmodel:   %s%nmetrics: %s%n", result.last().testAccuracy(), result.modelUri(), result.metricsUri());
        }
        return 0;
    }
}
