package org.sparkresnet.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.junit.jupiter.api.Test;
import org.sparkresnet.model.InputShape;
import org.sparkresnet.model.ModelRequest;
import org.sparkresnet.model.ResNets;
import org.sparkresnet.model.layers.ForwardOnceConvolutionLayer;
import org.sparkresnet.model.layers.ReluActivationLayer;

/**
 * Fails when training would silently leave the oneDNN path: the test JVM runs with the project's flags
 * (JvmFlags, via surefire's argLine), so this is the configuration every job gets.
 */
class FastPathTest {

    @Test
    void oneDnnBuildIsLoaded() {
        NativeBuild build = NativeBuild.current();
        assertEquals("CPU", build.backend());
        assertTrue(build.platform().endsWith("-onednn-avx2"), build.toString());
        assertTrue(build.oneDnnBuilt(), build.toString());
        assertTrue(build.oneDnnEnabled(), build.toString());
    }

    @Test
    void dl4jSeesOneDnnThroughTheClassNameFix() {
        // This is the check DL4J itself makes before attaching any oneDNN helper.
        assertTrue(BaseMKLDNNHelper.mklDnnEnabled());
    }

    @Test
    void everyConvLayerOfAResNetRunsOnOneDnnAndEveryBatchNormOnTheFastHelper() {
        ComputationGraph graph = ResNets.build(ModelRequest.of("resnet20", new InputShape(1, 28, 28), 10));

        Map<String, String> conv = LayerHelpers.convolution(graph);
        Map<String, String> batchNorm = LayerHelpers.batchNorm(graph);
        assertEquals(21, conv.size());
        assertEquals(21, batchNorm.size());
        conv.forEach((layer, helper) -> assertEquals(NativeRuntime.expectedConvHelper(), helper, layer));
        // and none of them replays its forward convolution in backprop
        conv.keySet().forEach(layer -> assertTrue(graph.getLayer(layer) instanceof ForwardOnceConvolutionLayer, layer));
        // and every ReLU backprops without libnd4j's relu_bp (19 in the blocks and stem: all of ResNet-20's)
        long relus = java.util.Arrays.stream(graph.getLayers())
                .filter(l -> l instanceof org.deeplearning4j.nn.layers.ActivationLayer)
                .peek(l -> assertTrue(l instanceof ReluActivationLayer, l.getConfig().getLayerName()))
                .count();
        assertEquals(19, relus);
        batchNorm.forEach((layer, helper) -> assertEquals(NativeRuntime.expectedBatchNormHelper(), helper, layer));
        // The variance parameterisation, as the helpers compute it.
        graph.getConfiguration().getVertices().values().stream()
                .filter(v -> v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BatchNormalization)
                .forEach(v -> assertFalse(((BatchNormalization) ((LayerVertex) v).getLayerConf().getLayer()).isUseLogStd()));
    }

    @Test
    void requireFastPathAcceptsThisJvmAndDescribeSaysWhy() {
        NativeRuntime.requireFastPath();
        String line = NativeRuntime.describe();
        assertTrue(line.contains("onednn-avx2") && line.contains("conv=" + NativeRuntime.expectedConvHelper())
                && line.contains("batchnorm=" + NativeRuntime.expectedBatchNormHelper()), line);
    }
}
