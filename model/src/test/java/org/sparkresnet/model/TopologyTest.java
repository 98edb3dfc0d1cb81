package org.sparkresnet.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/** The layer names say what the layers are, and the variants differ exactly where they should. */
class TopologyTest {
    private static final InputShape IMAGENET = new InputShape(3, 224, 224);

    private static Map<String, GraphVertex> vertices(String model) {
        return ResNets.configuration(ModelRequest.of(model, IMAGENET, 1000)).getVertices();
    }

    private static Layer layer(Map<String, GraphVertex> vertices, String name) {
        GraphVertex vertex = vertices.get(name);
        assertInstanceOf(LayerVertex.class, vertex, name);
        return ((LayerVertex) vertex).getLayerConf().getLayer();
    }

    @Test
    void resnet50HasKerasNamesAndProjectionsWhereShapesChange() {
        Map<String, GraphVertex> v = vertices("resnet50");
        ConvolutionLayer stem = (ConvolutionLayer) layer(v, "conv1_conv");
        assertEquals(7, stem.getKernelSize()[0]);
        assertEquals(2, stem.getStride()[0]);
        SubsamplingLayer pool = (SubsamplingLayer) layer(v, "pool1_pool");
        assertEquals(PoolingType.MAX, PoolingType.valueOf(pool.getPoolingType().name()));
        // First block of every stage projects (64 -> 256 at stride 1, then stride 2); later blocks do not.
        for (int stage = 2; stage <= 5; stage++) {
            assertInstanceOf(ConvolutionLayer.class, layer(v, "conv" + stage + "_block1_0_conv"));
            assertInstanceOf(BatchNormalization.class, layer(v, "conv" + stage + "_block1_0_bn"));
            assertFalse(v.containsKey("conv" + stage + "_block2_0_conv"));
            assertInstanceOf(ElementWiseVertex.class, v.get("conv" + stage + "_block2_add"));
        }
        ConvolutionLayer middle = (ConvolutionLayer) layer(v, "conv3_block1_2_conv");
        assertEquals(3, middle.getKernelSize()[0]);
        assertEquals(2, middle.getStride()[0], "the stride sits on the 3x3 conv (torchvision v1.5)");
        assertEquals(2048, ((ConvolutionLayer) layer(v, "conv5_block3_3_conv")).getNOut());
        assertTrue(v.containsKey("conv5_block3_out"));
        assertFalse(((ConvolutionLayer) layer(v, "conv2_block1_1_conv")).hasBias());
    }

    @Test
    void headIsAverageFeaturesThenSoftmaxCrossEntropy() {
        Map<String, GraphVertex> v = vertices("resnet18");
        GlobalPoolingLayer features = (GlobalPoolingLayer) layer(v, ResNets.FEATURES);
        assertEquals(PoolingType.AVG, features.getPoolingType());
        OutputLayer output = (OutputLayer) layer(v, ResNets.OUTPUT);
        assertInstanceOf(LossMCXENT.class, output.getLossFn());
        assertEquals(512, output.getNIn());
        assertEquals(1000, output.getNOut());
    }

    @Test
    void resnet18FirstStageUsesIdentityShortcuts() {
        Map<String, GraphVertex> v = vertices("resnet18");
        assertFalse(v.containsKey("conv2_block1_0_conv"), "64 -> 64 at stride 1 needs no projection");
        assertTrue(v.containsKey("conv3_block1_0_conv"));
        ComputationGraphConfiguration conf = ResNets.configuration(ModelRequest.of("resnet18", IMAGENET, 1000));
        assertEquals(java.util.List.of("conv2_block1_2_bn", "pool1_pool"), conf.getVertexInputs().get("conv2_block1_add"));
    }

    @Test
    void plainNetsHaveTheSameLayersWithoutShortcuts() {
        Map<String, GraphVertex> plain = vertices("plain34");
        Map<String, GraphVertex> residual = vertices("resnet34");
        assertTrue(plain.values().stream().noneMatch(ElementWiseVertex.class::isInstance));
        assertTrue(plain.keySet().stream().noneMatch(name -> name.contains("_0_")));
        // Every plain vertex is in the residual net; the residual net only adds adds and projections.
        assertTrue(residual.keySet().containsAll(plain.keySet()));
        assertTrue(residual.keySet().stream().filter(name -> !plain.containsKey(name))
                .allMatch(name -> name.endsWith("_add") || name.contains("_0_")));
    }

    @Test
    void preactivationBlocksNormaliseFirstAndEndOnTheSum() {
        Map<String, GraphVertex> v = vertices("preresnet50");
        assertInstanceOf(BatchNormalization.class, layer(v, "conv2_block1_preact_bn"));
        assertFalse(v.containsKey("conv2_block1_3_bn"), "v2 blocks end on the last conv, not a BN");
        assertFalse(v.containsKey("conv1_bn"), "v2 stem is un-activated; the first block's preact does it");
        assertInstanceOf(BatchNormalization.class, layer(v, "post_bn"));
        ComputationGraphConfiguration conf = ResNets.configuration(ModelRequest.of("preresnet50", IMAGENET, 1000));
        assertEquals(java.util.List.of("conv2_block1_preact_relu"), conf.getVertexInputs().get("conv2_block1_0_conv"));
        assertEquals(java.util.List.of("conv2_block1_3_conv", "conv2_block1_0_conv"), conf.getVertexInputs().get("conv2_block1_add"));
        assertEquals(java.util.List.of("conv2_block2_3_conv", "conv2_block1_add"), conf.getVertexInputs().get("conv2_block2_add"));
    }

    @Test
    void smallImageNetsUseA3x3StemWithoutPooling() {
        ComputationGraphConfiguration conf = ResNets.configuration(ModelRequest.of("resnet20", new InputShape(1, 28, 28), 10));
        ConvolutionLayer stem = (ConvolutionLayer) ((LayerVertex) conf.getVertices().get("conv1_conv")).getLayerConf().getLayer();
        assertEquals(3, stem.getKernelSize()[0]);
        assertEquals(16, stem.getNOut());
        assertFalse(conf.getVertices().containsKey("pool1_pool"));
        assertTrue(conf.getVertices().containsKey("conv4_block3_out"));
        assertFalse(conf.getVertices().containsKey("conv5_block1_1_conv"));
    }

    @Test
    void buildingTwiceGivesTheSameConfiguration() {
        ModelRequest request = ModelRequest.of("preresnet56", new InputShape(3, 32, 32), 10);
        assertEquals(ResNets.configuration(request).toJson(), ResNets.configuration(request).toJson());
    }
}
