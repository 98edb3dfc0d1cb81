package org.sparkresnet.model.bench;

/**
 * Images per second for one model: training (forward, backward, update) and inference (forward only).
 *
 * @param trainCoresBusy process CPU time over wall time while training: below the core count means other
 *                       processes competed for the CPU (or the run was not compute bound)
 * @param otherCoresBusy CPU used by other processes on the machine while training (cores, from /proc/stat; NaN where
 *                       unavailable): above ~0.2 on a 2-core machine, the figure is depressed by contention
 */
public record Throughput(String label, int batch, double trainImagesPerSecond, double inferenceImagesPerSecond,
                         double trainCoresBusy, double otherCoresBusy) {
    private static final String RESULT_PREFIX = "RESULT ";

    public Throughput {
        if (batch < 1 || !(trainImagesPerSecond > 0) || !(inferenceImagesPerSecond > 0)) {
            throw new IllegalArgumentException("throughput needs a positive batch and rates, got " + batch + ", "
                    + trainImagesPerSecond + ", " + inferenceImagesPerSecond);
        }
    }

    /** One line a child JVM prints so the parent can read its figures back. */
    String toResultLine() {
        return RESULT_PREFIX + batch + " " + trainImagesPerSecond + " " + inferenceImagesPerSecond + " " + trainCoresBusy + " " + otherCoresBusy;
    }

    static boolean isResultLine(String line) {
        return line.startsWith(RESULT_PREFIX);
    }

    static Throughput parseResultLine(String label, String line) {
        String[] parts = line.substring(RESULT_PREFIX.length()).trim().split(" ");
        return new Throughput(label, Integer.parseInt(parts[0]), Double.parseDouble(parts[1]), Double.parseDouble(parts[2]),
                Double.parseDouble(parts[3]), Double.parseDouble(parts[4]));
    }
}
