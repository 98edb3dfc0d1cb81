package org.sparkresnet.jobs.scaling;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.sparkresnet.model.InputShape;
import org.sparkresnet.model.ModelRequest;
import org.sparkresnet.model.ResNets;
import org.sparkresnet.model.TrainingOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Measures what distribution needs per step on this machine (compute time of a step, message sizes, the encoder's and
 * decoder's speed on the real parameter count) and projects both modes' scaling efficiency to large clusters with
 * {@link CommunicationModel}.
 */
@Command(name = "benchmark-scaling", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measures a training step's compute time (ResNet-20 and ResNet-50 on this machine), the size of each",
                "worker's update and the time to encode and decode it with DL4J's threshold encoding, then prints the projected",
                "scaling efficiency of parameter averaging and gradient sharing at 8, 64 and 256 workers on 10 and 25 Gbit/s",
                "links, for this CPU's step and for a GPU-class step (ResNet-50 at --gpu-rate images/s per worker).", ""})
public final class ScalingBenchmarkCommand implements Callable<Integer> {
    @Option(names = "--workers", split = ",", defaultValue = "8,64,256", description = "default: ${DEFAULT-VALUE}")
    List<Integer> workers;
    @Option(names = "--links-gbit", split = ",", defaultValue = "10,25", description = "default: ${DEFAULT-VALUE}")
    List<Double> linksGbit;
    @Option(names = "--averaging-frequency", defaultValue = "5", description = "default: ${DEFAULT-VALUE}")
    int averagingFrequency;
    @Option(names = "--sharing-fraction", defaultValue = "0.5", description = "today's default: fraction of elements each worker sends; default: ${DEFAULT-VALUE}")
    double sharingFraction;
    @Option(names = "--sharing-budget", defaultValue = "0.015625",
            description = "the large-cluster setting: fraction of elements sent per step by all workers together (each sends budget / W); default: ${DEFAULT-VALUE} (1/64)")
    double sharingBudget;
    @Option(names = "--gpu-rate", defaultValue = "1000", description = "images/s of one GPU worker training ResNet-50; default: ${DEFAULT-VALUE}")
    double gpuRate;
    @Option(names = "--gpu-batch", defaultValue = "64", description = "minibatch per GPU worker; default: ${DEFAULT-VALUE}")
    int gpuBatch;
    @Option(names = "--per-task-ms", defaultValue = "2", description = "driver's scheduling cost per task and round; default: ${DEFAULT-VALUE}")
    double perTaskMs;

    record Net(String name, InputShape input, int classes, int batch, int warmup, int iterations) {
    }

    @Override
    public Integer call() {
        List<Net> nets = List.of(new Net("resnet20", new InputShape(1, 28, 28), 10, 64, 10, 20),
                new Net("resnet50", new InputShape(3, 224, 224), 1000, 16, 3, 4));
        List<Measured> measured = new ArrayList<>();
        for (Net net : nets) {
            measured.add(measure(net));
        }
        System.out.printf("%nmeasured on this machine (%d cores, one worker):%n", Runtime.getRuntime().availableProcessors());
        System.out.printf("%-9s %11s %6s %9s | %-32s %10s %10s %10s%n", "model", "parameters", "batch", "step ms", "sharing message", "bytes",
                "encode ms", "decode ms");
        for (Measured m : measured) {
            for (Message msg : m.messages) {
                System.out.printf("%-9s %,11d %6d %9.1f | %-32s %,10d %10.2f %10.2f%n", m.net.name, m.parameters, m.net.batch,
                        1000 * m.stepSeconds, msg.label, msg.bytes, 1000 * msg.encodeSeconds, 1000 * msg.decodeSeconds);
            }
            System.out.printf("%-9s averaging state per round (parameters + momentum, float32): %,d bytes each way per worker%n",
                    m.net.name, m.stateBytes());
        }
        System.out.printf("%nprojected scaling efficiency (compute / (compute + distribution)); the model is in CommunicationModel"
                + " and the README%n");
        System.out.printf("%-9s %-10s %-34s %6s %8s %10s  %s%n", "model", "step", "mode", "link", "workers", "efficiency", "bottleneck");
        for (Measured m : measured) {
            List<double[]> steps = new ArrayList<>();
            steps.add(new double[] {m.stepSeconds});
            if (m.net.name.equals("resnet50")) {
                steps.add(new double[] {gpuBatch / gpuRate});
            }
            for (double[] step : steps) {
                String stepLabel = step[0] == m.stepSeconds ? "CPU " + Math.round(1000 * step[0]) + "ms" : "GPU " + Math.round(1000 * step[0]) + "ms";
                for (double gbit : linksGbit) {
                    double link = gbit * 1e9 / 8;
                    for (int w : workers) {
                        print(m.net.name, stepLabel, "averaging (every " + averagingFrequency + ")", gbit, CommunicationModel.averaging(w,
                                m.stateBytes(), step[0], averagingFrequency, 2, link, perTaskMs / 1000));
                    }
                    for (int w : workers) {
                        Message fixed = m.message(sharingFraction, w);
                        print(m.net.name, stepLabel, "sharing " + sharingFraction + " per worker", gbit,
                                CommunicationModel.sharing(w, fixed.bytes, step[0], fixed.encodeSeconds, fixed.decodeSeconds, link));
                    }
                    for (int w : workers) {
                        Message budget = m.message(sharingBudget / w, w);
                        print(m.net.name, stepLabel, "sharing budget " + sharingBudget + " / W", gbit,
                                CommunicationModel.sharing(w, budget.bytes, step[0], budget.encodeSeconds, budget.decodeSeconds, link));
                    }
                    if (stepLabel.startsWith("GPU")) {
                        // a GPU worker encodes and decodes on the device (ND4J's CUDA kernels): not measurable here, so the
                        // network alone, as the bound that the codec's time then adds to
                        for (int w : workers) {
                            Message budget = m.message(sharingBudget / w, w);
                            print(m.net.name, stepLabel, "sharing budget, network only", gbit,
                                    CommunicationModel.sharing(w, budget.bytes, step[0], 0, 0, link));
                        }
                    }
                }
            }
        }
        return 0;
    }

    private static void print(String model, String step, String mode, double gbit, CommunicationModel.Projection p) {
        System.out.printf("%-9s %-10s %-34s %4.0fG %8d %9.1f%%  %s%n", model, step, mode, gbit, p.workers(), 100 * p.efficiency(), p.bottleneck());
    }

    /** A worker's encoded update at one density: its size, and the measured encode and decode times. */
    record Message(String label, double fraction, long bytes, double encodeSeconds, double decodeSeconds) {
    }

    /** One model's measurements; message figures for other densities interpolate the measured ones by elements sent. */
    record Measured(Net net, long parameters, double stepSeconds, List<Message> messages) {
        long stateBytes() {
            return 2 * 4 * parameters; // SGD with momentum: parameters and one state value each (Adam: three)
        }

        Message message(double fraction, int workers) {
            long bytes = CommunicationModel.messageBytes(parameters, fraction);
            boolean dense = fraction >= 1.0 / 16;
            Message nearest = null;
            for (Message m : messages) {
                if ((m.fraction >= 1.0 / 16) == dense && (nearest == null || Math.abs(Math.log(m.fraction / fraction))
                        < Math.abs(Math.log(nearest.fraction / fraction)))) {
                    nearest = m;
                }
            }
            double scale = dense ? 1 : (double) bytes / nearest.bytes; // sparse decode work follows the elements sent
            // encoding scans all elements whatever the density: its time is the measured one
            return new Message("at " + workers + " workers", fraction, bytes, nearest.encodeSeconds, nearest.decodeSeconds * scale);
        }
    }

    private Measured measure(Net net) {
        ComputationGraph graph = ResNets.build(new ModelRequest(net.name, net.input, net.classes,
                new TrainingOptions(new Nesterovs(0.01, 0.9), 0, 42)));
        DataSet data = new DataSet(Nd4j.rand(DataType.FLOAT, net.batch, net.input.channels(), net.input.height(), net.input.width()),
                oneHot(net.batch, net.classes));
        for (int i = 0; i < net.warmup; i++) {
            graph.fit(data);
        }
        long start = System.nanoTime();
        for (int i = 0; i < net.iterations; i++) {
            graph.fit(data);
        }
        double step = (System.nanoTime() - start) / 1e9 / net.iterations;
        long n = graph.numParams();
        System.out.printf("%s: %,d parameters, %.1f ms per training step at batch %d%n", net.name, n, 1000 * step, net.batch);
        List<Message> messages = new ArrayList<>();
        for (double fraction : new double[] {0.5, 1.0 / 64, 1.0 / 1024, 1.0 / 16384}) {
            messages.add(encode(n, fraction));
        }
        return new Measured(net, n, step, messages);
    }

    private static INDArray oneHot(int batch, int classes) {
        INDArray labels = Nd4j.zeros(DataType.FLOAT, batch, classes);
        for (int i = 0; i < batch; i++) {
            labels.putScalar(i, i % classes, 1f);
        }
        return labels;
    }

    /**
     * Encodes a gradient-sized vector of normal values at the threshold that sends {@code fraction} of them, as
     * DL4J's accumulator does (threshold encoding below 1/16 of the elements, bitmap above), and decodes it into a
     * parameter-sized vector; times are the mean of 3 after one warm-up.
     */
    private static Message encode(long n, double fraction) {
        INDArray updates = Nd4j.randn(DataType.FLOAT, n);
        double threshold = normalQuantile(1 - fraction / 2);
        boolean dense = fraction >= 1.0 / 16;
        INDArray target = Nd4j.zeros(DataType.FLOAT, n);
        long bytes = 0;
        double encode = 0;
        double decode = 0;
        for (int run = 0; run < 4; run++) {
            INDArray residual = updates.dup();
            long t0 = System.nanoTime();
            INDArray encoded;
            if (dense) {
                encoded = Nd4j.getExecutioner().bitmapEncode(residual, threshold);
            } else {
                encoded = Nd4j.getExecutioner().thresholdEncode(residual, threshold);
            }
            long t1 = System.nanoTime();
            if (dense) {
                Nd4j.getExecutioner().bitmapDecode(encoded, target);
            } else if (encoded != null) {
                Nd4j.getExecutioner().thresholdDecode(encoded, target);
            }
            long t2 = System.nanoTime();
            if (run > 0) {
                encode += (t1 - t0) / 3e9;
                decode += (t2 - t1) / 3e9;
            }
            bytes = encoded == null ? 16 : encoded.length() * encoded.dataType().width();
        }
        return new Message(String.format("%s, %.4g of elements", dense ? "bitmap" : "threshold", fraction), fraction, bytes, encode, decode);
    }

    /** The standard normal's quantile (Acklam's rational approximation, relative error below 1.2e-9). */
    static double normalQuantile(double p) {
        double[] a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
        double[] b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01};
        double[] c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
        double[] d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
        double q;
        if (p < 0.02425) {
            q = Math.sqrt(-2 * Math.log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p > 1 - 0.02425) {
            return -normalQuantile(1 - p);
        }
        q = p - 0.5;
        double r = q * q;
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
}
