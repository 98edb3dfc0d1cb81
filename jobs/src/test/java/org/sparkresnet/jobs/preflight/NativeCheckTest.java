package org.sparkresnet.jobs.preflight;

import org.junit.jupiter.api.Test;
import org.sparkresnet.runtime.NativeBuild;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NativeCheckTest {
    private static final NativeBuild ONEDNN = new NativeBuild("CPU", "linux-x86_64-onednn-avx2", true, true, 2);

    @Test
    void thisJvmRunsOneDnnAndItsConvolutionIsRight() {
        // test JVMs get the project's flags: the oneDNN build and the layer helpers
        Check check = NativeCheck.run("driver");
        assertEquals(Check.Status.PASS, check.status(), check.toString());
        assertTrue(check.detail().startsWith("oneDNN in use"), check.detail());
        assertTrue(check.detail().contains("linux-x86_64-onednn-avx2"), check.detail());
        NativeCheck.Convolution convolution = NativeCheck.convolve(new Random(3));
        assertTrue(convolution.maxAbsDiff() < NativeCheck.TOLERANCE, convolution.toString());
        assertEquals("DnnlConvolutionHelper", convolution.helper());
    }

    @Test
    void aWrongConvolutionFails() {
        Check check = NativeCheck.evaluate("e", ONEDNN, "described", null, new NativeCheck.Convolution("DnnlConvolutionHelper", 0.5));
        assertEquals(Check.Status.FAIL, check.status());
        assertTrue(check.detail().contains("differs from the Java reference by 0.5"), check.detail());
        Check nan = NativeCheck.evaluate("e", ONEDNN, "described", null, new NativeCheck.Convolution("x", Double.NaN));
        assertEquals(Check.Status.FAIL, nan.status());
    }

    @Test
    void aFallbackFailsWithNativeRuntimesFix() {
        NativeBuild plain = new NativeBuild("CPU", "linux-x86_64", false, false, 2);
        Check check = NativeCheck.evaluate("e", plain, "described", "DL4J is not on its fast path: put the nd4j-native ... jar",
                new NativeCheck.Convolution("none", 0));
        assertEquals(Check.Status.FAIL, check.status());
        assertTrue(check.detail().startsWith("oneDNN NOT in use"), check.detail());
        NativeBuild cuda = new NativeBuild("CUDA", "n/a", false, false, 8);
        Check gpu = NativeCheck.evaluate("e", cuda, "described", null, new NativeCheck.Convolution("CudnnConvolutionHelper", 1e-6));
        assertEquals(Check.Status.PASS, gpu.status());
        assertTrue(gpu.detail().startsWith("CUDA backend in use"), gpu.detail());
    }

    @Test
    void aLibraryThatCannotLoadFailsWithWhatExecutorsNeed() {
        Check check = NativeCheck.loadFailure("executor 2 (h)", new NoClassDefFoundError("org/nd4j/linalg/cpu/nativecpu/CpuBackend"));
        assertEquals(Check.Status.FAIL, check.status());
        assertTrue(check.detail().contains("NoClassDefFoundError"), check.detail());
        assertTrue(check.advice().contains("linux-x86_64-onednn-avx2"), check.advice());
    }
}
