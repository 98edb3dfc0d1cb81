package org.sparkresnet.model.bench;

import org.sparkresnet.model.layers.DnnlConvolutionHelper;
import org.sparkresnet.model.layers.RowwiseBatchNormalization;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a measurement of {@link ModelBenchmark} in a child JVM, for settings fixed when ND4J loads: the stock-DL4J
 * baseline (same flags and classpath as this JVM, but the plain linux-x86_64 build and DL4J's layer helpers disabled,
 * as M2.1 ships them) and single-threaded trainers (OMP_NUM_THREADS=1, read by the native library at start).
 */
final class ChildJvmMeasurement {
    static final String PLAIN_BUILD = "-Dorg.bytedeco.javacpp.platform.extension=";
    static final String HELPERS_OFF = "-Dorg.eclipse.deeplearning4j.helpers.disable=true";
    /** The project's batch-norm and convolution helpers off too, so the child's runtime line says what the stock network runs. */
    static final String ROWWISE_OFF = "-D" + RowwiseBatchNormalization.POLICY_PROPERTY + "=never";
    static final String DNNL_CONV_OFF = "-D" + DnnlConvolutionHelper.POLICY_PROPERTY + "=never";

    private ChildJvmMeasurement() {
    }

    /** Runs the stock-DL4J child, echoes its runtime line and errors with a prefix, and returns its figures. */
    static Throughput stock(String label, List<String> childArguments) throws IOException, InterruptedException {
        return run(label, List.of(PLAIN_BUILD, HELPERS_OFF, ROWWISE_OFF, DNNL_CONV_OFF), Map.of(), childArguments);
    }

    /** Runs a child with this JVM's flags plus {@code jvmOverrides} and extra environment, and returns its figures. */
    static Throughput run(String label, List<String> jvmOverrides, Map<String, String> environment,
                          List<String> childArguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Later -D values win, so the overrides follow this JVM's own flags.
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(jvmOverrides);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ModelBenchmark.class.getName());
        command.addAll(childArguments);

        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        Throughput result = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (Throughput.isResultLine(line)) {
                    result = Throughput.parseResultLine(label, line);
                } else if (line.startsWith("runtime:") || line.startsWith("Exception") || line.contains("Error")) {
                    System.out.println("  [child JVM] " + line);
                }
            }
        }
        int exit = process.waitFor();
        if (exit != 0 || result == null) {
            throw new IllegalStateException("child JVM exited with " + exit + " and " + (result == null ? "no" : "a")
                    + " result line; command: " + String.join(" ", command));
        }
        return result;
    }
}
