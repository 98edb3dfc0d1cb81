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
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryUsage;
import com.sun.management.GcInfo;
import java.lang.management.MemoryType;
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
 * recording after every epoch the driver's heap (after a GC), resident set and JavaCPP (ND4J) off-heap bytes, and the
 * executors' heap after their latest collection and JavaCPP off-heap bytes (probe tasks on each executor) and peak
 * resident set (Spark's executor metrics); the largest executor's figure of each. Prints the table and, for each column, the growth from epoch 2 to the largest later value; a growth
 * above --max-growth fails the command (exit 1). A command to run by hand, not a test.
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
        static final List<String> COLUMNS = List.of("driver heap", "driver RSS", "driver ND4J off-heap", "executor heap (after GC)",
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
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        int tasks = 4 * executors;
        Map<String, long[]> perExecutor = new TreeMap<>();
        sc.setJobDescription("soak: heap after GC and ND4J off-heap bytes per executor");
        for (String probe : sc.parallelize(IntStream.range(0, tasks).boxed().toList(), tasks)
                .map(i -> SparkEnv.get().executorId() + "=" + heapAfterLastCollections() + "=" + Pointer.totalBytes()).collect()) {
            String[] parts = probe.split("=");
            long[] values = perExecutor.computeIfAbsent(parts[0], k -> new long[2]);
            values[0] = Math.max(values[0], Long.parseLong(parts[1]));
            values[1] = Math.max(values[1], Long.parseLong(parts[2]));
        }
        sc.setJobDescription(null);
        return new Sample(epoch.epoch(), heap, Pointer.physicalBytes(), Pointer.totalBytes(),
                perExecutor.values().stream().mapToLong(v -> v[0]).max().orElse(0), epoch.peakExecutorRssBytes(),
                perExecutor.values().stream().mapToLong(v -> v[1]).max().orElse(0));
    }

    /**
     * This JVM's heap as its latest collection left it: the heap pools' usage after the most recent GC of any kind
     * (for G1 usually a young or mixed collection: eden empty, survivors, and the old generation with whatever died
     * there since marking last looked). Unlike a peak, which is as high as the young generation is wide, this grows
     * only with what stays; unlike a forced GC, it leaves the run's own collections, and so its native memory, as
     * they were. 0 before the first collection.
     */
    static long heapAfterLastCollections() {
        GcInfo latest = null;
        for (GarbageCollectorMXBean bean : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (bean instanceof com.sun.management.GarbageCollectorMXBean gc && gc.getLastGcInfo() != null
                    && (latest == null || gc.getLastGcInfo().getEndTime() > latest.getEndTime())) {
                latest = gc.getLastGcInfo();
            }
        }
        if (latest == null) {
            return 0;
        }
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            MemoryUsage after = latest.getMemoryUsageAfterGc().get(pool.getName());
            if (pool.getType() == MemoryType.HEAP && after != null) {
                used += after.getUsed();
            }
        }
        return used;
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
