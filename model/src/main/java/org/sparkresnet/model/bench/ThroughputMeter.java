package org.sparkresnet.model.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkresnet.model.InputShape;

/**
 * Times training steps and inference passes of a graph on one fixed random batch, after warm-up iterations
 * (DL4J's first 10-25 iterations are 2-5 times slower: workspaces and oneDNN primitives are still being built).
 */
final class ThroughputMeter {
    private final int warmup;
    private final int iterations;

    ThroughputMeter(int warmup, int iterations) {
        if (warmup < 0 || iterations < 1) {
            throw new IllegalArgumentException("need warmup >= 0 and iterations >= 1, got " + warmup + ", " + iterations);
        }
        this.warmup = warmup;
        this.iterations = iterations;
    }

    Throughput measure(String label, ComputationGraph graph, InputShape input, int numClasses, int batch) {
        DataSet data = randomBatch(input, numClasses, batch);
        for (int i = 0; i < warmup; i++) {
            graph.fit(data);
        }
        CpuWindow window = CpuWindow.open();
        for (int i = 0; i < iterations; i++) {
            graph.fit(data);
        }
        window.close();
        double train = imagesPerSecond(batch, window.nanos);

        INDArray features = data.getFeatures();
        for (int i = 0; i < warmup; i++) {
            graph.output(false, features);
        }
        long start = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            graph.output(false, features);
        }
        double inference = imagesPerSecond(batch, System.nanoTime() - start);
        return new Throughput(label, batch, train, inference, window.coresBusy(), window.otherCoresBusy());
    }

    /**
     * N graphs trained (then run for inference) at once, one thread each, as N Spark tasks train in one executor
     * JVM; after every thread's warm-up, all start together. Images/s are the sum over the graphs.
     */
    Throughput measureTogether(String label, List<ComputationGraph> graphs, InputShape input, int numClasses, int batch)
            throws InterruptedException {
        int n = graphs.size();
        CyclicBarrier start = new CyclicBarrier(n + 1);
        CyclicBarrier trained = new CyclicBarrier(n + 1);
        CyclicBarrier inferred = new CyclicBarrier(n + 1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int w = 0; w < n; w++) {
            ComputationGraph graph = graphs.get(w);
            Thread thread = new Thread(() -> {
                try {
                    DataSet data = randomBatch(input, numClasses, batch);
                    for (int i = 0; i < warmup; i++) {
                        graph.fit(data);
                        graph.output(false, data.getFeatures());
                    }
                    start.await();
                    for (int i = 0; i < iterations; i++) {
                        graph.fit(data);
                    }
                    trained.await();
                    for (int i = 0; i < iterations; i++) {
                        graph.output(false, data.getFeatures());
                    }
                    inferred.await();
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                    start.reset();
                    trained.reset();
                    inferred.reset();
                }
            }, "trainer-" + w);
            thread.setDaemon(true);
            thread.start();
        }
        try {
            start.await();
            CpuWindow window = CpuWindow.open();
            trained.await();
            window.close();
            long inferStart = System.nanoTime();
            inferred.await();
            long inferNanos = System.nanoTime() - inferStart;
            return new Throughput(label, batch, n * imagesPerSecond(batch, window.nanos), n * imagesPerSecond(batch, inferNanos),
                    window.coresBusy(), window.otherCoresBusy());
        } catch (BrokenBarrierException e) {
            throw new IllegalStateException("a trainer thread failed", failure.get() != null ? failure.get() : e);
        }
    }

    /** Wall time, this process's CPU time and the machine's busy time over the timed training iterations. */
    private static final class CpuWindow {
        private final long start = System.nanoTime();
        private final long cpuStart = processCpuNanos();
        private final double machineBusyStart = machineBusySeconds();
        private long nanos;
        private double ownCpuSeconds;
        private double machineBusy;

        static CpuWindow open() {
            return new CpuWindow();
        }

        void close() {
            nanos = System.nanoTime() - start;
            ownCpuSeconds = (processCpuNanos() - cpuStart) / 1e9;
            machineBusy = machineBusySeconds() - machineBusyStart;
        }

        double coresBusy() {
            return ownCpuSeconds / (nanos / 1e9);
        }

        double otherCoresBusy() {
            return Math.max(0, machineBusy - ownCpuSeconds) / (nanos / 1e9);
        }
    }

    /** Busy CPU time of the whole machine, all cores, from the first line of /proc/stat (USER_HZ = 100); NaN off Linux. */
    private static double machineBusySeconds() {
        try {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < fields.length; i++) {
                // fields 4 and 5 are idle and iowait; guest time is already inside user time
                if (i != 4 && i != 5 && i < 9) {
                    busy += Long.parseLong(fields[i]);
                }
            }
            return busy / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private double imagesPerSecond(int batch, long nanos) {
        return (double) batch * iterations / (nanos / 1e9);
    }

    static DataSet randomBatch(InputShape input, int numClasses, int batch) {
        Nd4j.getRandom().setSeed(1234);
        INDArray features = Nd4j.rand(DataType.FLOAT, batch, input.channels(), input.height(), input.width());
        INDArray labels = Nd4j.zeros(DataType.FLOAT, batch, numClasses);
        for (int i = 0; i < batch; i++) {
            labels.putScalar(i, i % numClasses, 1f);
        }
        return new DataSet(features, labels);
    }
}
