package org.sparkresnet.model.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
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
        long start = System.nanoTime();
        long cpuStart = processCpuNanos();
        double machineBusyStart = machineBusySeconds();
        for (int i = 0; i < iterations; i++) {
            graph.fit(data);
        }
        long trainNanos = System.nanoTime() - start;
        double ownCpuSeconds = (processCpuNanos() - cpuStart) / 1e9;
        double coresBusy = ownCpuSeconds / (trainNanos / 1e9);
        double otherCoresBusy = Math.max(0, machineBusySeconds() - machineBusyStart - ownCpuSeconds) / (trainNanos / 1e9);
        double train = imagesPerSecond(batch, trainNanos);

        INDArray features = data.getFeatures();
        for (int i = 0; i < warmup; i++) {
            graph.output(false, features);
        }
        start = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            graph.output(false, features);
        }
        double inference = imagesPerSecond(batch, System.nanoTime() - start);
        return new Throughput(label, batch, train, inference, coresBusy, otherCoresBusy);
    }

    /**
     * N graphs trained (then run for inference) at once, one thread each, as N Spark tasks train in one executor
     * JVM; after every thread's warm-up, all start together. Images/s are the sum over the graphs.
     */
    Throughput measureTogether(String label, java.util.List<ComputationGraph> graphs, InputShape input, int numClasses, int batch)
            throws InterruptedException {
        int n = graphs.size();
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(n + 1);
        java.util.concurrent.CyclicBarrier trained = new java.util.concurrent.CyclicBarrier(n + 1);
        java.util.concurrent.CyclicBarrier inferred = new java.util.concurrent.CyclicBarrier(n + 1);
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.List<Thread> threads = new java.util.ArrayList<>();
        for (ComputationGraph graph : graphs) {
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
            }, "trainer-" + threads.size());
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        try {
            start.await();
            long t0 = System.nanoTime();
            long cpuStart = processCpuNanos();
            double machineBusyStart = machineBusySeconds();
            trained.await();
            long trainNanos = System.nanoTime() - t0;
            double ownCpuSeconds = (processCpuNanos() - cpuStart) / 1e9;
            double otherCoresBusy = Math.max(0, machineBusySeconds() - machineBusyStart - ownCpuSeconds) / (trainNanos / 1e9);
            long t1 = System.nanoTime();
            inferred.await();
            long inferNanos = System.nanoTime() - t1;
            return new Throughput(label, batch, n * imagesPerSecond(batch, trainNanos), n * imagesPerSecond(batch, inferNanos),
                    ownCpuSeconds / (trainNanos / 1e9), otherCoresBusy);
        } catch (java.util.concurrent.BrokenBarrierException e) {
            throw new IllegalStateException("a trainer thread failed", failure.get() != null ? failure.get() : e);
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
