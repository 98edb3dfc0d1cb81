package org.sparkresnet.model.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.Pointer;

/**
 * Tracks the memory a training run needs: process RSS (what the OS charges, including libnd4j's own allocations of
 * ND4J arrays, which JavaCPP does not count), JavaCPP-tracked off-heap bytes, and the Java heap.
 */
final class PeakMemory {
    private long maxPhysicalBytes;
    private long maxOffHeapBytes;
    private long maxHeapBytes;

    /** Call between iterations. */
    void sample() {
        maxPhysicalBytes = Math.max(maxPhysicalBytes, Pointer.physicalBytes());
        maxOffHeapBytes = Math.max(maxOffHeapBytes, Pointer.totalBytes());
        Runtime runtime = Runtime.getRuntime();
        maxHeapBytes = Math.max(maxHeapBytes, runtime.totalMemory() - runtime.freeMemory());
    }

    String report() {
        return String.format("sampled peak RSS %s, JavaCPP-tracked off-heap %s, Java heap used %s; "
                        + "process high-water RSS (VmHWM, JVM life so far) %s",
                mib(maxPhysicalBytes), mib(maxOffHeapBytes), mib(maxHeapBytes), highWaterMark());
    }

    /** Linux's own peak-RSS counter, which also sees peaks between samples. */
    private static String highWaterMark() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return mib(kib * 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return "n/a (" + e.getMessage() + ")";
        }
        return "n/a";
    }

    private static String mib(long bytes) {
        return String.format("%,d MiB", bytes / (1024 * 1024));
    }
}
