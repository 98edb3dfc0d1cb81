package org.sparkresnet.data.benchmark;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CPU used during a timed block, by this process and by every other process on the machine: on a shared machine
 * a throughput figure means little without knowing how many cores others took meanwhile.
 */
final class CpuUse {
    /**
     * @param seconds     wall time of the block
     * @param ownCores    this process's CPU time over the wall time
     * @param otherCores  CPU time of other processes over the wall time (NaN where /proc/stat cannot be read)
     * @param ownSeconds  this process's CPU time
     * @param jitSeconds  of which the JIT compiler threads took this much (a short run still warms up: at ImageNet
     *                    scale, hours long, this is a one-off cost)
     */
    record Share(double seconds, double ownCores, double otherCores, double ownSeconds, double jitSeconds) {
    }

    private final long startNanos = System.nanoTime();
    private final long startOwnCpuNanos = ownCpuNanos();
    private final double startMachineBusySeconds = machineBusySeconds();
    private final long startJitMillis = jitMillis();

    private CpuUse() {
    }

    static CpuUse start() {
        return new CpuUse();
    }

    Share stop() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        double own = (ownCpuNanos() - startOwnCpuNanos) / 1e9;
        double others = Math.max(0, machineBusySeconds() - startMachineBusySeconds - own);
        return new Share(seconds, own / seconds, others / seconds, own, (jitMillis() - startJitMillis) / 1e3);
    }

    /** Time the JIT compiler threads spent compiling so far (0 where the JVM does not say). */
    private static long jitMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    private static long ownCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Busy CPU time of the whole machine, all cores, from the first line of /proc/stat (USER_HZ = 100); NaN off Linux. */
    private static double machineBusySeconds() {
        try {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < fields.length && i < 9; i++) {
                if (i != 4 && i != 5) { // idle and iowait; guest time is already inside user time
                    busy += Long.parseLong(fields[i]);
                }
            }
            return busy / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
