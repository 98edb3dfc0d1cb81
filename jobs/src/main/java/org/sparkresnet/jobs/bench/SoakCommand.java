package org.sparkresnet.jobs.bench;

import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.bytedeco.javacpp.Pointer;
import org.sparkresnet.data.PrepareJob;
import org.sparkresnet.data.PrepareRequest;
import org.sparkresnet.jobs.metrics.EpochMetrics;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.Trainer;
import org.sparkresnet.jobs.train.TrainingMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

/**
 * A long run's memory, epoch by epoch: ResNet-20 on Fashion-MNIST for many epochs in each mode on a local-cluster,
 * recording after every epoch the driver's and the executors' live heap and JavaCPP (ND4J) off-heap bytes (after a
 * full GC; probe tasks on each executor) and resident set (the driver's now, the executors' peak over the epoch from
 * Spark's executor metrics); of the executors, the largest figure of each. Prints the table and, for each column,
 * the growth from epoch 2 to the largest later value; a growth above --max-growth fails the command (exit 1). A
 * command to run by hand, not a test.
 */
@Command(name = "soak", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains ResNet-20 for many epochs in each mode on a local-cluster and prints driver and executor heap,",
                "resident memory and ND4J off-heap per epoch, failing when anything grows by more than --max-growth after epoch 2."})
public final class SoakCommand implements Callable<Integer> {
    @Option(names = "--source", defaultValue = "/usr/share/datasets/fashion-mnist", paramLabel = "DIR",
            description = "Fashion-MNIST IDX files; default: ${DEFAULT-VALUE}")
    String source;
    @Option(names = "--work", defaultValue = "runs/soak", paramLabel = "DIR", description = "data and runs (replaced); default: ${DEFAULT-VALUE}")
    Path work;
    @Option(names = "--epochs", defaultValue = "20", description = "default: ${DEFAULT-VALUE}")
    int epochs;
    @Option(names = "--images", defaultValue = "6000", description = "training images per epoch (test: a sixth); default: ${DEFAULT-VALUE}")
    int images;
    @Option(names = "--modes", split = ",", defaultValue = "averaging,sharing", description = "default: ${DEFAULT-VALUE}")
    List<String> modes;
    @Option(names = "--executors", defaultValue = "2", description = "executor JVMs of one core each; default: ${DEFAULT-VALUE}")
    int executors;
    @Option(names = "--max-growth", defaultValue = "0.05", description = "allowed growth after epoch 2, as a fraction; default: ${DEFAULT-VALUE}")
    double maxGrowth;

    /** One epoch's memory figures, bytes. */
    record Sample(int epoch, long driverHeap, long driverRss, long driverOffHeap, long executorHeap, long executorRss, long executorOffHeap) {
        static final List<String> COLUMNS = List.of("driver heap", "driver RSS", "driver ND4J off-heap", "executor heap (live)",
                "executor RSS (peak)", "executor ND4J off-heap");

        long[] values() {
            return new long[] {driverHeap, driverRss, driverOffHeap, executorHeap, executorRss, executorOffHeap};
        }
    }

    @Override
    public Integer call() throws Exception {
        deleteRecursively(work);
        boolean allWithin = true;
        for (String modeName : modes) {
            TrainingMode mode = TrainingMode.parse(modeName);
            List<Sample> samples = new ArrayList<>();
            try (JavaSparkContext sc = new JavaSparkContext(LocalClusterSpark.conf("soak-" + modeName, executors, 2048))) {
                String data = work.resolve("data").toUri().toString();
                if (!Files.exists(work.resolve("data"))) {
                    PrepareJob.run(sc, new PrepareRequest("fashion-mnist", Path.of(source).toUri().toString(), data, 500, false, images));
                }
                TrainRequest request = new TrainRequest(data, work.resolve("run-" + modeName).toUri().toString(), "resnet20", epochs, 64,
                        "adam", 2e-3, 0.9, 0, 5, 42, true).withMode(mode);
                new Trainer(sc, System.out, Duration.ofSeconds(60))
                        .onEpochEnd(m -> samples.add(sample(sc, m)))
                        .run(request);
            }
            System.out.println();
            System.out.println(modeName + ": memory per epoch (MiB)");
            System.out.println(table(samples));
            allWithin &= printGrowth(samples);
        }
        return allWithin ? 0 : 1;
    }

    private Sample sample(JavaSparkContext sc, EpochMetrics epoch) {
        long[] driver = liveHeapAndOffHeap();
        int tasks = 4 * executors;
        Map<String, long[]> perExecutor = new TreeMap<>();
        sc.setJobDescription("soak: live heap and ND4J off-heap bytes per executor");
        for (String probe : sc.parallelize(IntStream.range(0, tasks).boxed().toList(), tasks)
                .map(i -> {
                    long[] live = liveHeapAndOffHeap();
                    return SparkEnv.get().executorId() + "=" + live[0] + "=" + live[1];
                }).collect()) {
            String[] parts = probe.split("=");
            long[] values = perExecutor.computeIfAbsent(parts[0], k -> new long[2]);
            values[0] = Math.max(values[0], Long.parseLong(parts[1]));
            values[1] = Math.max(values[1], Long.parseLong(parts[2]));
        }
        sc.setJobDescription(null);
        return new Sample(epoch.epoch(), driver[0], Pointer.physicalBytes(), driver[1],
                perExecutor.values().stream().mapToLong(v -> v[0]).max().orElse(0), epoch.peakExecutorRssBytes(),
                perExecutor.values().stream().mapToLong(v -> v[1]).max().orElse(0));
    }

    /**
     * This JVM's live heap and JavaCPP bytes: a full GC, a moment for ND4J's and JavaCPP's deallocator threads to free
     * what it found dead, then heap used and Pointer.totalBytes. Without the GC both figures carry however much
     * garbage the collector has not got to yet: a heap peak is as high as G1's young generation is wide, and under
     * G1 the heap after the latest young collection still holds old-generation garbage that no mixed collection was
     * needed for (100-300 MiB here, varying epoch to epoch). The driver is measured the same way.
     */
    static long[] liveHeapAndOffHeap() {
        System.gc();
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new long[] {ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Pointer.totalBytes()};
    }

    static String table(List<Sample> samples) {
        StringBuilder out = new StringBuilder(String.format("%5s", "epoch"));
        Sample.COLUMNS.forEach(c -> out.append(String.format(" | %22s", c)));
        out.append('\n');
        for (Sample s : samples) {
            out.append(String.format("%5d", s.epoch()));
            for (long v : s.values()) {
                out.append(String.format(" | %22.1f", v / 1048576.0));
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** Growth of each column from epoch 2 to its largest later value; true when all are within --max-growth. */
    private boolean printGrowth(List<Sample> samples) {
        if (samples.size() < 3) {
            System.out.println("fewer than 3 epochs: no growth to judge");
            return true;
        }
        boolean within = true;
        long[] base = samples.get(1).values();
        for (int c = 0; c < base.length; c++) {
            final int column = c;
            long later = samples.subList(2, samples.size()).stream().mapToLong(s -> s.values()[column]).max().orElse(0);
            double growth = base[c] == 0 ? 0 : (double) (later - base[c]) / base[c];
            boolean ok = growth <= maxGrowth;
            within &= ok;
            System.out.printf("%-24s epoch 2 %8.1f MiB, largest after %8.1f MiB: %+6.1f%% %s%n", Sample.COLUMNS.get(c), base[c] / 1048576.0,
                    later / 1048576.0, 100 * growth, ok ? "ok" : "GROWS");
        }
        return within;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
