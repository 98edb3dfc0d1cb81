package org.sparkresnet.jobs.cli;

import org.apache.spark.api.java.JavaSparkContext;
import org.sparkresnet.data.spark.ExecutorThreads;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.jobs.train.LearningRateSchedule;
import org.sparkresnet.jobs.train.OptimizerSettings;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.TrainResult;
import org.sparkresnet.jobs.train.Trainer;
import org.sparkresnet.jobs.train.TrainingAugmentation;
import org.sparkresnet.jobs.train.TrainingMode;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains a ResNet on a prepared dataset with Spark (parameter averaging or gradient sharing),",
                "evaluates it on the test split after every epoch, checkpoints it, and saves model.zip, run.json and metrics.json.",
                "",
                "Linear scaling rule: the global batch is --batch x workers; when it grows k times, multiply --lr by k",
                "and use a few --warmup-epochs (Goyal et al. 2017).",
                ""})
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, paramLabel = "URI", description = "prepared dataset (output of 'prepare', with train/ and test/)")
    String data;
    @Option(names = "--output", required = true, paramLabel = "URI", description = "where to write model.zip, run.json, metrics.json and checkpoints/")
    String output;
    @Option(names = "--model", defaultValue = "resnet20", description = "model name (see 'summary --help'); default: ${DEFAULT-VALUE}")
    String model;
    @Option(names = "--epochs", defaultValue = "1", description = "passes over the training split; default: ${DEFAULT-VALUE}")
    int epochs;
    @Option(names = "--batch", defaultValue = "64", description = "minibatch size per worker; default: ${DEFAULT-VALUE}")
    int batch;
    @Option(names = "--mode", defaultValue = "averaging", paramLabel = "averaging|sharing",
            description = "averaging: parameter averaging every --averaging-frequency minibatches; sharing: asynchronous "
                    + "threshold-encoded gradient sharing over Aeron (UDP); default: ${DEFAULT-VALUE}")
    String mode;
    @Option(names = "--augment", defaultValue = "none", paramLabel = "none|flip|crop-flip",
            description = "random variation of the training images, new in every epoch: flip (left-right, half of the time;"
                    + " not for digits) or crop-flip (random crop of 8-100%% of the area, resized back, then flip: the ImageNet"
                    + " recipe); default: ${DEFAULT-VALUE}")
    String augment;
    @Option(names = "--seed", defaultValue = "42", description = "random seed (weights, shuffling); default: ${DEFAULT-VALUE}")
    long seed;

    @ArgGroup(validate = false, heading = "%nOptimizer:%n")
    Optimizer optimizer = new Optimizer();
    @ArgGroup(validate = false, heading = "%nParameter averaging (--mode averaging):%n")
    Averaging averaging = new Averaging();
    @ArgGroup(validate = false, heading = "%nGradient sharing (--mode sharing):%n")
    SharingOptions sharing = new SharingOptions();
    @ArgGroup(validate = false, heading = "%nRun:%n")
    Run run = new Run();

    static final class Optimizer {
        @Option(names = "--updater", defaultValue = "adam", description = "adam, or sgd (Nesterov momentum); default: ${DEFAULT-VALUE}")
        String updater = "adam";
        @Option(names = "--lr", defaultValue = "0.001", description = "base learning rate; default: ${DEFAULT-VALUE}")
        double learningRate = 0.001;
        @Option(names = "--momentum", defaultValue = "0.9", description = "momentum for sgd; default: ${DEFAULT-VALUE}")
        double momentum = 0.9;
        @Option(names = "--weight-decay", defaultValue = "0", description = "decoupled weight decay; default: ${DEFAULT-VALUE}")
        double weightDecay;
        @Option(names = "--warmup-epochs", defaultValue = "0", description = "epochs of linear warm-up to --lr; default: ${DEFAULT-VALUE}")
        int warmupEpochs;
        @Option(names = "--lr-decay", defaultValue = "constant", paramLabel = "constant|cosine|step",
                description = "after the warm-up: constant, cosine (towards 0 after the last epoch) or step; default: ${DEFAULT-VALUE}")
        String decay = "constant";
        @Option(names = "--lr-step-epochs", defaultValue = "30", description = "step decay: epochs between steps; default: ${DEFAULT-VALUE}")
        int stepEpochs = 30;
        @Option(names = "--lr-step-factor", defaultValue = "0.1", description = "step decay: factor per step; default: ${DEFAULT-VALUE}")
        double stepFactor = 0.1;

        OptimizerSettings settings() {
            return new OptimizerSettings(updater, learningRate, momentum, weightDecay,
                    new LearningRateSchedule(LearningRateSchedule.Decay.parse(decay), warmupEpochs, stepEpochs, stepFactor));
        }
    }

    static final class Averaging {
        @Option(names = "--averaging-frequency", defaultValue = "5", description = "minibatches per worker between parameter averaging; default: ${DEFAULT-VALUE}")
        int frequency = 5;
    }

    static final class Run {
        @Option(names = "--checkpoint-every", defaultValue = "1", description = "epochs between checkpoints in <output>/checkpoints/; default: ${DEFAULT-VALUE}")
        int checkpointEvery = 1;
        @Option(names = "--resume", description = "continue from the newest complete checkpoint in --output (same --model, --epochs, --data)")
        boolean resume;
        @Option(names = "--overwrite", description = "replace a model or checkpoints already in --output")
        boolean overwrite;
        @Option(names = "--master", paramLabel = "URL", description = "Spark master when not launched by spark-submit; default: local[*]")
        String master;
        @Option(names = "--progress-seconds", defaultValue = "10", description = "seconds between progress lines; default: ${DEFAULT-VALUE}")
        int progressSeconds = 10;
    }

    TrainRequest request() {
        return new TrainRequest(data, output, model, epochs, batch, optimizer.settings(), TrainingMode.parse(mode),
                averaging.frequency, sharing.settings(), run.checkpointEvery, run.resume, seed, run.overwrite,
                TrainingAugmentation.parse(augment));
    }

    @Override
    public Integer call() {
        TrainRequest request = request();
        PrintStream out = System.out;
        ExecutorThreads threads = request.mode() == TrainingMode.SHARING ? ExecutorThreads.PER_EXECUTOR : ExecutorThreads.PER_TASK;
        try (JavaSparkContext sc = SparkContexts.create("resnet-train", run.master, threads)) {
            TrainResult result = new Trainer(sc, out, Duration.ofSeconds(run.progressSeconds)).run(request);
            out.printf("test accuracy %.4f%nmodel:   %s%nmetrics: %s%n", result.last().testAccuracy(), result.modelUri(), result.metricsUri());
        }
        return 0;
    }
}
