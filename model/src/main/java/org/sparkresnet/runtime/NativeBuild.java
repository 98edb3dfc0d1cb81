package org.sparkresnet.runtime;

import java.nio.file.Path;
import java.util.Objects;
import org.bytedeco.javacpp.Loader;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The native ND4J library this JVM actually loaded, read back from JavaCPP and libnd4j's own build flags rather
 * than from the system properties that asked for it.
 *
 * @param backend       "CPU" or "CUDA" as ND4J reports it
 * @param platform      the loaded libnd4j's platform directory, e.g. "linux-x86_64-onednn-avx2" (or "n/a")
 * @param oneDnnBuilt   libnd4j was compiled with oneDNN (HAVE_ONEDNN in its build info)
 * @param oneDnnEnabled libnd4j's runtime switch for oneDNN kernels
 * @param threads       ND4J's maximum native (OpenMP) threads
 */
public record NativeBuild(String backend, String platform, boolean oneDnnBuilt, boolean oneDnnEnabled, int threads) {
    private static final String ND4J_CPU_LIBRARY = "nd4jcpu";

    public NativeBuild {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(platform, "platform");
    }

    public boolean isCpu() {
        return "CPU".equalsIgnoreCase(backend);
    }

    /** Reads the state of this JVM (loads ND4J if it is not loaded yet). */
    public static NativeBuild current() {
        String backend = Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend", "unknown");
        int threads = Nd4j.getEnvironment().maxThreads();
        if (!"CPU".equalsIgnoreCase(backend)) {
            return new NativeBuild(backend, "n/a", false, false, threads);
        }
        String library = Loader.getLoadedLibraries().get(ND4J_CPU_LIBRARY);
        String platform = library == null ? "unknown" : Path.of(library).getParent().getFileName().toString();
        String buildInfo = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
        boolean built = buildInfo != null && buildInfo.contains("HAVE_ONEDNN");
        boolean enabled = org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment.getInstance().isUseONEDNN();
        return new NativeBuild(backend, platform, built, enabled, threads);
    }
}
