package org.sparkresnet.jobs.bench;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkresnet.data.PrepareJob;
import org.sparkresnet.data.PrepareRequest;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.jobs.metrics.EpochMetrics;
import org.sparkresnet.jobs.train.LearningRateSchedule;
import org.sparkresnet.jobs.train.OptimizerSettings;
import org.sparkresnet.jobs.train.SharingSettings;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.Trainer;
import org.sparkresnet.jobs.train.TrainingAugmentation;
import org.sparkresnet.jobs.train.TrainingMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Whether the training data path scales with the data: trains one epoch in each mode on a local-cluster, on a
 * dataset and on one ten times larger, and prints what Spark measured: shuffle bytes written against the shard
 * bytes, the executors' peak memory, and the share of the minibatch loop spent waiting for data.
 */
@Command(name = "benchmark-data-path", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains one epoch of ResNet-20 on Fashion-MNIST in each mode on a local-cluster, for --images and",
                "ten times as many, and prints per run: shard bytes, shuffle bytes written (Spark's task metrics), the",
                "executors' peak RSS and heap (Spark's executor metrics) and the data-wait share of the minibatch loop.", ""})
public final class DataPathBenchmarkCommand implements Callable<Integer> {
    @Option(names = "--source", defaultValue = "/usr/share/datasets/fashion-mnist", paramLabel = "DIR",
            description = "Fashion-MNIST IDX files; default: ${DEFAULT-VALUE}")
    String source;
    @Option(names = "--work", defaultValue = "runs/benchmark-data-path", paramLabel = "DIR", description = "default: ${DEFAULT-VALUE}")
    java.nio.file.Path work;
    @Option(names = "--images", defaultValue = "3000", description = "training images of the small run (the large one has 10x); default: ${DEFAULT-VALUE}")
    int images;
    @Option(names = "--modes", split = ",", defaultValue = "averaging,sharing", description = "default: ${DEFAULT-VALUE}")
    List<String> modes;
    @Option(names = "--executors", defaultValue = "2", description = "executor JVMs of one core each; default: ${DEFAULT-VALUE}")
    int executors;
    @Option(names = "--batch", defaultValue = "64", description = "default: ${DEFAULT-VALUE}")
    int batch;
    @Option(names = "--executor-memory-mb", defaultValue = "2048",
            description = "heap per executor (a small one shows whether anything of the data is retained); default: ${DEFAULT-VALUE}")
    int executorMemoryMb;

    private record Run(String mode, long images, long shardBytes, EpochMetrics epoch) {
    }

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        java.nio.file.Path dir = work.toAbsolutePath();
        Files.createDirectories(dir);
        List<Run> runs = new ArrayList<>();
        for (int scale : new int[] {1, 10}) {
            int n = images * scale;
            String data = dir.resolve("data-" + n).toUri().toString();
            for (String mode : modes) {
                // a new application per run: fresh executor JVMs, so each run's peak memory is its own
                try (JavaSparkContext sc = new JavaSparkContext(LocalClusterSpark.conf("resnet-benchmark-data-path", executors, executorMemoryMb))) {
                    if (mode.equals(modes.get(0))) {
                        PrepareJob.run(sc, new PrepareRequest("fashion-mnist", new java.io.File(source).toURI().toString(), data,
                                PrepareRequest.DEFAULT_SHARD_SIZE, true, n));
                    }
                    SplitManifest train = SplitManifest.read(new Path(data, Trainer.TRAIN_SPLIT).toString(), sc.hadoopConfiguration());
                    TrainRequest request = new TrainRequest(data, dir.resolve("run-" + n + "-" + mode).toUri().toString(), "resnet20", 1,
                            batch, new OptimizerSettings("adam", 2e-3, 0.9, 0, LearningRateSchedule.CONSTANT), TrainingMode.parse(mode), 5,
                            SharingSettings.defaults(), 1, false, 42, true, TrainingAugmentation.NONE);
                    out.printf("%n== %s, %,d training images ==%n", mode, train.numExamples());
                    EpochMetrics epoch = new Trainer(sc, out, Duration.ofSeconds(30)).run(request).last();
                    runs.add(new Run(mode, train.numExamples(), train.totalBytes(), epoch));
                }
            }
        }
        out.printf("%n%-10s %8s %12s %14s %9s %14s %14s %10s %9s%n", "mode", "images", "shard MB", "shuffle write", "of shards",
                "peak exec RSS", "peak exec heap", "data wait", "images/s");
        for (Run r : runs) {
            EpochMetrics e = r.epoch;
            out.printf("%-10s %8d %12.1f %11.1f MB %8.2f%% %11.0f MB %11.0f MB %9.1f%% %9.1f%n", r.mode, r.images, r.shardBytes / 1e6,
                    e.shuffleWriteBytes() / 1e6, 100.0 * e.shuffleWriteBytes() / r.shardBytes, e.peakExecutorRssBytes() / 1048576.0,
                    e.peakExecutorHeapBytes() / 1048576.0, 100 * e.dataWaitShare(), e.imagesPerSecond());
        }
        for (String mode : modes) {
            List<Run> of = runs.stream().filter(r -> r.mode.equals(mode)).toList();
            if (of.size() == 2) {
                out.printf("%s: 10x the data -> peak executor RSS x%.2f, shuffle writes %.1f MB -> %.1f MB%n", mode,
                        (double) of.get(1).epoch.peakExecutorRssBytes() / of.get(0).epoch.peakExecutorRssBytes(),
                        of.get(0).epoch.shuffleWriteBytes() / 1e6, of.get(1).epoch.shuffleWriteBytes() / 1e6);
            }
        }
        return 0;
    }
}
