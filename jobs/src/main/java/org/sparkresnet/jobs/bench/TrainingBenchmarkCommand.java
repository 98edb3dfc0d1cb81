package org.sparkresnet.jobs.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkresnet.data.PrepareJob;
import org.sparkresnet.data.PrepareRequest;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.jobs.cli.SharingOptions;
import org.sparkresnet.jobs.metrics.EpochMetrics;
import org.sparkresnet.jobs.train.LearningRateSchedule;
import org.sparkresnet.jobs.train.OptimizerSettings;
import org.sparkresnet.jobs.train.SharingSettings;
import org.sparkresnet.jobs.train.StartingPoint;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.TrainResult;
import org.sparkresnet.jobs.train.Trainer;
import org.sparkresnet.jobs.train.TrainingAugmentation;
import org.sparkresnet.jobs.train.TrainingMode;
import org.sparkresnet.runtime.NativeRuntime;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * What distribution costs and whether both modes converge: prepares Fashion-MNIST, measures single-JVM training
 * speed as the baseline, then trains the same network with parameter averaging and with gradient sharing on a
 * local-cluster (executor JVMs of one core each), and prints per-epoch accuracy, images/s, the Spark/single-JVM
 * ratio and where the workers' time went. A command to run by hand, not a test.
 */
@Command(name = "benchmark-training", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains ResNet-20 on Fashion-MNIST with both Spark modes on a local-cluster (N executor JVMs x 1 core)",
                "and prints per-epoch test accuracy, training images/s, the ratio to single-JVM training with N threads",
                "measured in the same run, and the share of the workers' time spent computing. Writes benchmark.json",
                "and each mode's run (metrics.json, report.html) under --work.", ""})
public final class TrainingBenchmarkCommand implements Callable<Integer> {
    @Option(names = "--source", defaultValue = "/usr/share/datasets/fashion-mnist", paramLabel = "DIR",
            description = "Fashion-MNIST IDX files (Debian package dataset-fashion-mnist); default: ${DEFAULT-VALUE}")
    String source;
    @Option(names = "--work", defaultValue = "runs/benchmark-training", paramLabel = "DIR",
            description = "prepared data, the runs and benchmark.json go here (replaced); default: ${DEFAULT-VALUE}")
    java.nio.file.Path work;
    @Option(names = "--epochs", defaultValue = "10", description = "epochs per mode; default: ${DEFAULT-VALUE}")
    int epochs;
    @Option(names = "--modes", split = ",", defaultValue = "averaging,sharing", description = "default: ${DEFAULT-VALUE}")
    List<String> modes;
    @Option(names = "--limit", defaultValue = "0", description = "images per split, 0 = all (60,000 / 10,000); default: ${DEFAULT-VALUE}")
    int limit;
    @Option(names = "--executors", defaultValue = "2", description = "executor JVMs of one core each; default: ${DEFAULT-VALUE}")
    int executors;
    @Option(names = "--executor-memory-mb", defaultValue = "2048", description = "heap per executor; default: ${DEFAULT-VALUE}")
    int executorMemoryMb;
    @Option(names = "--model", defaultValue = "resnet20", description = "default: ${DEFAULT-VALUE}")
    String model;
    @Option(names = "--batch", defaultValue = "64", description = "minibatch per worker; default: ${DEFAULT-VALUE}")
    int batch;
    @Option(names = "--lr", defaultValue = "0.002", description = "Adam's base rate, cosine decay after one warm-up epoch; default: ${DEFAULT-VALUE}")
    double learningRate;
    @Option(names = "--averaging-frequency", defaultValue = "5", description = "default: ${DEFAULT-VALUE}")
    int averagingFrequency;
    @Option(names = "--baseline-iterations", defaultValue = "150",
            description = "timed single-JVM minibatches, after 10 warm-up ones; 0 skips the baseline; default: ${DEFAULT-VALUE}")
    int baselineIterations;
    @Option(names = "--seed", defaultValue = "42", description = "default: ${DEFAULT-VALUE}")
    long seed;
    @Option(names = "--augment", defaultValue = "none", paramLabel = "none|flip|crop-flip",
            description = "training-image augmentation, as for train (for longer runs: flip); default: ${DEFAULT-VALUE}")
    String augment;
    @ArgGroup(validate = false, heading = "%nGradient sharing (as for train):%n")
    SharingOptions sharing = new SharingOptions();

    private static final int BASELINE_WARMUP = 10;

    @Override
    public Integer call() throws Exception {
        List<TrainingMode> trainingModes = modes.stream().map(TrainingMode::parse).toList();
        PrintStream out = System.out;
        java.nio.file.Path dir = work.toAbsolutePath();
        Files.createDirectories(dir);
        String data = dir.resolve("data").toUri().toString();
        TrainRequest base = request(data, dir.resolve("run").toUri().toString(), TrainingMode.AVERAGING);

        try (JavaSparkContext sc = new JavaSparkContext(LocalClusterSpark.conf("resnet-benchmark-training", executors, executorMemoryMb))) {
            out.printf("benchmark-training: %s, batch %d per worker, Adam lr %g (1 warm-up epoch, cosine), %d epochs per mode,"
                    + " local-cluster of %d executor JVMs x 1 core; augmentation: %s%n", model, batch, learningRate, epochs, executors,
                    base.augment().flag());
            out.println("driver: " + NativeRuntime.describe());
            if (trainingModes.contains(TrainingMode.SHARING)) {
                SharingSettings s = base.sharing();
                out.printf("sharing: threshold %s %g, residual clipped to %g x threshold every %d iterations%n",
                        s.threshold(), s.thresholdValue(), s.residualClip(), s.residualClipEvery());
            }
            PrepareJob.run(sc, new PrepareRequest("fashion-mnist", new java.io.File(source).toURI().toString(), data,
                    PrepareRequest.DEFAULT_SHARD_SIZE, true, limit));
            String trainUri = new Path(data, Trainer.TRAIN_SPLIT).toString();
            SplitManifest train = SplitManifest.read(trainUri, sc.hadoopConfiguration());

            double singleJvm = Double.NaN;
            if (baselineIterations > 0) {
                singleJvm = SingleJvmThroughput.imagesPerSecond(StartingPoint.freshNetwork(base, train, 0), trainUri,
                        sc.hadoopConfiguration(), batch, BASELINE_WARMUP, baselineIterations);
                out.printf("single JVM, no Spark, %d ND4J threads: %.1f images/s (%d minibatches of %d after %d warm-up)%n",
                        Runtime.getRuntime().availableProcessors(), singleJvm, baselineIterations, batch, BASELINE_WARMUP);
            }

            Map<TrainingMode, List<EpochMetrics>> results = new LinkedHashMap<>();
            for (TrainingMode mode : trainingModes) {
                out.printf("%n== %s ==%n", mode.flag());
                TrainResult result = new Trainer(sc, out, Duration.ofSeconds(30))
                        .run(request(data, dir.resolve(mode.flag()).toUri().toString(), mode));
                results.put(mode, result.epochs());
            }
            BenchmarkTables tables = new BenchmarkTables(singleJvm, results, batch);
            out.println();
            tables.print(out);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("settings", base);
            json.put("executors", executors);
            json.put("singleJvmImagesPerSecond", singleJvm);
            json.put("modes", tables.summaries());
            json.put("epochs", results);
            Path jsonPath = new Path(dir.resolve("benchmark.json").toUri());
            byte[] bytes = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(json);
            HadoopFiles.writeAtomically(jsonPath, sc.hadoopConfiguration(), o -> o.write(bytes));
            out.println("written: " + jsonPath);
        }
        return 0;
    }

    TrainRequest request(String data, String output, TrainingMode mode) {
        OptimizerSettings adam = new OptimizerSettings("adam", learningRate, 0.9, 0,
                new LearningRateSchedule(LearningRateSchedule.Decay.COSINE, Math.min(1, epochs - 1), 1, 1.0));
        return new TrainRequest(data, output, model, epochs, batch, adam, mode, averagingFrequency, sharing.settings(),
                epochs, false, seed, true, TrainingAugmentation.parse(augment));
    }

    /** Per-epoch table and per-mode summary. */
    record BenchmarkTables(double singleJvm, Map<TrainingMode, List<EpochMetrics>> results, int batch) {
        List<Map<String, Object>> summaries() {
            List<Map<String, Object>> list = new ArrayList<>();
            results.forEach((mode, epochs) -> {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("mode", mode.flag());
                s.put("finalTestAccuracy", epochs.get(epochs.size() - 1).testAccuracy());
                s.put("bestTestAccuracy", epochs.stream().mapToDouble(EpochMetrics::testAccuracy).max().orElse(Double.NaN));
                s.put("imagesPerSecond", imagesPerSecond(epochs));
                s.put("ratioToSingleJvm", imagesPerSecond(epochs) / singleJvm);
                s.put("computeShare", computeShare(epochs));
                s.put("loopMillisPerMinibatch", loopMillisPerMinibatch(epochs));
                list.add(s);
            });
            return list;
        }

        void print(PrintStream out) {
            out.printf("%-10s %5s %10s %10s %9s %9s %13s%n", "mode", "epoch", "train loss", "test acc", "images/s", "seconds", "compute share");
            results.forEach((mode, epochs) -> epochs.forEach(e -> out.printf("%-10s %5d %10.4f %10.4f %9.1f %9.0f %12.0f%%%n",
                    mode.flag(), e.epoch(), e.trainLoss(), e.testAccuracy(), e.imagesPerSecond(), e.trainSeconds(), 100 * e.computeShare())));
            out.println();
            out.printf("single JVM (same network, same minibatches, no Spark): %.1f images/s%n", singleJvm);
            for (Map<String, Object> s : summaries()) {
                out.printf("%-10s final test accuracy %.4f (best %.4f); %.1f images/s = %.2f x single JVM; workers computing %.0f%% of"
                                + " the time (%.0f ms per minibatch of %d in the loop), %.0f%% outside the loop (broadcasts, averaging or"
                                + " update exchange, task scheduling, worker set-up)%n",
                        s.get("mode"), s.get("finalTestAccuracy"), s.get("bestTestAccuracy"), s.get("imagesPerSecond"),
                        s.get("ratioToSingleJvm"), 100 * (double) s.get("computeShare"), s.get("loopMillisPerMinibatch"), batch,
                        100 * (1 - (double) s.get("computeShare")));
            }
            if (results.containsKey(TrainingMode.AVERAGING) && results.containsKey(TrainingMode.SHARING)) {
                double gap = last(results.get(TrainingMode.AVERAGING)) - last(results.get(TrainingMode.SHARING));
                out.printf("sharing vs averaging: %+.2f points of final test accuracy%n", -100 * gap);
            }
        }

        private static double last(List<EpochMetrics> epochs) {
            return epochs.get(epochs.size() - 1).testAccuracy();
        }

        /** Over the whole run: images trained / seconds in fit (evaluation and checkpoints excluded). */
        private static double imagesPerSecond(List<EpochMetrics> epochs) {
            return epochs.stream().mapToLong(EpochMetrics::examples).sum() / epochs.stream().mapToDouble(EpochMetrics::trainSeconds).sum();
        }

        private static double computeShare(List<EpochMetrics> epochs) {
            double available = epochs.stream().mapToDouble(e -> e.trainSeconds() * e.workers()).sum();
            return epochs.stream().mapToDouble(EpochMetrics::workerLoopSeconds).sum() / available;
        }

        private static double loopMillisPerMinibatch(List<EpochMetrics> epochs) {
            return 1000 * epochs.stream().mapToDouble(EpochMetrics::workerLoopSeconds).sum()
                    / epochs.stream().mapToLong(EpochMetrics::iterations).sum();
        }
    }
}
