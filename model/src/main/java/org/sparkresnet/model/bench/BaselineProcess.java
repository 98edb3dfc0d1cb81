package org.sparkresnet.model.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the stock-DL4J baseline in a child JVM. The native build is chosen when ND4J loads, so a fair "out of the
 * box" figure needs a fresh JVM: same flags and classpath as this one, but the plain linux-x86_64 build (empty
 * platform extension) and DL4J's layer helpers disabled, as M2.1 ships them.
 */
final class BaselineProcess {
    static final String PLAIN_BUILD = "-Dorg.bytedeco.javacpp.platform.extension=";
    static final String HELPERS_OFF = "-Dorg.eclipse.deeplearning4j.helpers.disable=true";

    private BaselineProcess() {
    }

    /** Runs the child, echoes its output with a prefix, and returns its figures. */
    static Throughput run(String label, List<String> childArguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Later -D values win, so the two overrides follow this JVM's own flags.
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add(PLAIN_BUILD);
        command.add(HELPERS_OFF);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ModelBenchmark.class.getName());
        command.addAll(childArguments);

        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Throughput result = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (Throughput.isResultLine(line)) {
                    result = Throughput.parseResultLine(label, line);
                } else if (line.startsWith("runtime:") || line.startsWith("Exception") || line.contains("Error")) {
                    System.out.println("  [baseline JVM] " + line);
                }
            }
        }
        int exit = process.waitFor();
        if (exit != 0 || result == null) {
            throw new IllegalStateException("baseline JVM exited with " + exit + " and " + (result == null ? "no" : "a")
                    + " result line; command: " + String.join(" ", command));
        }
        return result;
    }
}
