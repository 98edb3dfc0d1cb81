package org.sparkresnet.jobs;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line of a JVM like this test JVM (its flags, less agents, and its class path) running another main class. */
public final class ChildJvm {
    private ChildJvm() {
    }

    /** {@code java <this JVM's flags> <extraFlags> -cp <this class path> <main> <args>}. */
    public static List<String> command(List<String> extraFlags, Class<?> main, List<String> args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> !a.startsWith("-agentlib")).toList());
        command.addAll(extraFlags);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(args);
        return command;
    }
}
