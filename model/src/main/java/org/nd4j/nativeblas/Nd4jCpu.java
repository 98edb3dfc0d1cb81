package org.nd4j.nativeblas;

/**
 * Restores the class name DL4J 1.0.0-M2.1 still looks up. {@code BaseMKLDNNHelper.mklDnnEnabled()} loads
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment} by name, calls its static {@code getInstance()} and then
 * {@code isUseMKLDNN()} on the result; M2.1 moved the class to
 * {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment} (method {@code isUseONEDNN()}), so the lookup
 * failed and the oneDNN convolution and batch-norm helpers never loaded. Nothing else should use this class.
 */
public final class Nd4jCpu {
    private Nd4jCpu() {
    }

    /** The old-name environment; delegates to the relocated native binding. */
    public static final class Environment {
        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        public static Environment getInstance() {
            return INSTANCE;
        }

        public boolean isUseMKLDNN() {
            return org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment.getInstance().isUseONEDNN();
        }
    }
}
