package org.sparkresnet.model.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.sparkresnet.model.GraphSettings;
import org.sparkresnet.model.InputShape;
import org.sparkresnet.model.ModelRequest;
import org.sparkresnet.model.ResNets;
import org.sparkresnet.runtime.JvmFlags;
import org.sparkresnet.runtime.NativeRuntime;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Prints training and inference images/s of the project's ResNets against DL4J out of the box. A command to run by
 * hand (figures depend on the machine and its load), not a test:
 * <pre>
 * java $(cat model/target/classes/sparkresnet/jvm-flags.txt) -cp "model/target/classes:$(cat cp.txt)" \
 *     org.sparkresnet.model.bench.ModelBenchmark --cases resnet20,resnet50,stock-resnet20,resnet50-memory
 * </pre>
 */
@Command(name = "benchmark-model", mixinStandardHelpOptions = true,
        description = "Training (forward+backward+Adam update) and inference images/s of ResNet-20 (1x28x28, batch 64)"
                + " and ResNet-50 (3x224x224, batch 8), the same ResNet-20 in stock DL4J (child JVM) and the ratio;"
                + " optionally peak memory of ResNet-50 training at batch 16.")
public final class ModelBenchmark implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** The measured configurations. */
    enum Case {
        RESNET20("resnet20"), RESNET20_WORKERS("resnet20-workers"), RESNET50("resnet50"), STOCK_RESNET20("stock-resnet20"),
        RESNET50_MEMORY("resnet50-memory");

        final String cliName;

        Case(String cliName) {
            this.cliName = cliName;
        }

        static Case parse(String name) {
            for (Case c : values()) {
                if (c.cliName.equals(name.trim().toLowerCase(Locale.ROOT))) {
                    return c;
                }
            }
            List<String> names = new ArrayList<>();
            for (Case c : values()) {
                names.add(c.cliName);
            }
            throw new IllegalArgumentException("unknown case '" + name + "'; cases: " + String.join(", ", names));
        }
    }

    private static final InputShape SMALL = new InputShape(1, 28, 28);
    private static final InputShape IMAGENET = new InputShape(3, 224, 224);
    private static final int SMALL_BATCH = 64;
    private static final int IMAGENET_BATCH = 8;
    private static final int MEMORY_BATCH = 16;

    @Option(names = "--iterations", defaultValue = "20", description = "Timed iterations per measurement (default: ${DEFAULT-VALUE}).")
    private int iterations;

    @Option(names = "--warmup", defaultValue = "10", description = "Untimed warm-up iterations first (default: ${DEFAULT-VALUE}).")
    private int warmup;

    @Option(names = "--cases", split = ",", defaultValue = "resnet20,resnet20-workers,resnet50,stock-resnet20",
            description = "Comma-separated: resnet20, resnet20-workers (one single-threaded trainer per core in one JVM, as"
                    + " local[N] and one-core executors train), resnet50, stock-resnet20, resnet50-memory (default: ${DEFAULT-VALUE}).")
    private List<String> cases;

    @Option(names = "--memory-iterations", defaultValue = "5",
            description = "Training iterations for resnet50-memory (default: ${DEFAULT-VALUE}).")
    private int memoryIterations;

    /** Set by the parent when it launches the baseline JVM: measure stock ResNet-20 and print a result line. */
    @Option(names = "--stock-child", hidden = true)
    private boolean stockChild;

    /** Set by the parent for resnet20-workers: train this many ResNet-20s at once, one thread each, and print a result line. */
    @Option(names = "--workers-child", hidden = true)
    private int workersChild;

    @Override
    public Integer call() throws Exception {
        List<Case> selected = new ArrayList<>();
        for (String name : cases) {
            try {
                selected.add(Case.parse(name));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        ThroughputMeter meter = new ThroughputMeter(warmup, iterations);
        System.out.println("runtime: " + NativeRuntime.describe());
        if (workersChild > 0) {
            List<ComputationGraph> graphs = new ArrayList<>();
            for (int i = 0; i < workersChild; i++) {
                graphs.add(ResNets.build(resnet20()));
            }
            System.out.println(meter.measureTogether("workers", graphs, SMALL, 10, SMALL_BATCH).toResultLine());
            return 0;
        }
        if (stockChild) {
            Throughput stock = meter.measure("stock", ResNets.build(resnet20(), GraphSettings.stock()), SMALL, 10, SMALL_BATCH);
            System.out.println(stock.toResultLine());
            return 0;
        }

        System.out.printf("benchmark-model: %d warm-up + %d timed iterations; images/s; training = forward+backward+Adam"
                + " update; while training: cores busy = this process's CPU time / wall time, others' load = cores"
                + " used by other processes (contention), of %d cores%n",
                warmup, iterations, Runtime.getRuntime().availableProcessors());
        System.out.printf("%-62s %5s %10s %10s %11s %12s%n", "case", "batch", "train", "inference", "cores busy",
                "others' load");
        Throughput fast = null;
        Throughput stock = null;
        // The memory case first, so the process high-water mark is not left over from another case.
        selected.sort(java.util.Comparator.comparing(c -> c != Case.RESNET50_MEMORY));
        for (Case c : selected) {
            switch (c) {
                case RESNET20 -> fast = print(meter.measure("resnet20 1x28x28, oneDNN build + helpers (this project)",
                        ResNets.build(resnet20()), SMALL, 10, SMALL_BATCH));
                case RESNET20_WORKERS -> {
                    int cores = Runtime.getRuntime().availableProcessors();
                    print(ChildJvmMeasurement.run("resnet20 1x28x28, " + cores + " trainers x 1 thread, one JVM (this project)",
                            List.of(), Map.of("OMP_NUM_THREADS", "1"), List.of("--workers-child", Integer.toString(cores),
                                    "--warmup", Integer.toString(warmup), "--iterations", Integer.toString(iterations))));
                }
                case RESNET50 -> print(meter.measure("resnet50 3x224x224, oneDNN build + helpers (this project)",
                        ResNets.build(ModelRequest.of("resnet50", IMAGENET, 1000)), IMAGENET, 1000, IMAGENET_BATCH));
                case STOCK_RESNET20 -> stock = print(ChildJvmMeasurement.stock(
                        "resnet20 1x28x28, stock DL4J (child JVM, plain build, no helpers)",
                        List.of("--stock-child", "--warmup", Integer.toString(warmup), "--iterations", Integer.toString(iterations))));
                case RESNET50_MEMORY -> measureMemory();
            }
        }
        if (fast != null && stock != null) {
            System.out.printf("speed-up of this project's resnet20 over stock DL4J: training %.2fx, inference %.2fx%n",
                    fast.trainImagesPerSecond() / stock.trainImagesPerSecond(),
                    fast.inferenceImagesPerSecond() / stock.inferenceImagesPerSecond());
        }
        return 0;
    }

    private static ModelRequest resnet20() {
        return ModelRequest.of("resnet20", SMALL, 10);
    }

    private static Throughput print(Throughput t) {
        System.out.printf("%-62s %5d %10.1f %10.1f %11.2f %12.2f%n", t.label(), t.batch(), t.trainImagesPerSecond(),
                t.inferenceImagesPerSecond(), t.trainCoresBusy(), t.otherCoresBusy());
        return t;
    }

    private void measureMemory() {
        ComputationGraph graph = ResNets.build(ModelRequest.of("resnet50", IMAGENET, 1000));
        var data = ThroughputMeter.randomBatch(IMAGENET, 1000, MEMORY_BATCH);
        PeakMemory memory = new PeakMemory();
        long start = System.nanoTime();
        for (int i = 0; i < memoryIterations; i++) {
            graph.fit(data);
            memory.sample();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("resnet50 3x224x224 training at batch %d, %d iterations (%.1f images/s, no warm-up): %s%n",
                MEMORY_BATCH, memoryIterations, MEMORY_BATCH * memoryIterations / seconds, memory.report());
    }

    public static void main(String[] args) {
        // A JVM started without the project's flags still picks the oneDNN build and enables the layer helpers.
        JvmFlags.applySystemPropertiesIfAbsent();
        System.exit(new CommandLine(new ModelBenchmark()).execute(args));
    }
}
