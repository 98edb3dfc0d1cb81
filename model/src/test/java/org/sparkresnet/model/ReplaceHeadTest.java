package org.sparkresnet.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

class ReplaceHeadTest {
    private static final InputShape INPUT = new InputShape(1, 16, 16);

    @Test
    void freezesStagesThroughTheGivenOneAndTrainsTheRest() {
        ComputationGraph trained = ResNets.build(ModelRequest.of("resnet20", INPUT, 10));
        ComputationGraph tuned = ResNets.replaceHead(trained, 3, 3, TrainingOptions.defaults().withUpdater(new Sgd(0.1)));

        assertInstanceOf(FrozenLayer.class, tuned.getLayer("conv1_conv"));
        assertInstanceOf(FrozenLayer.class, tuned.getLayer("conv2_block3_2_bn"));
        assertInstanceOf(FrozenLayer.class, tuned.getLayer("conv3_block3_2_conv"));
        assertTrue(!(tuned.getLayer("conv4_block1_1_conv") instanceof FrozenLayer));
        assertArrayEquals(new long[] {64, 3}, tuned.getLayer(ResNets.OUTPUT).getParam("W").shape());
        // The kept layers start from the trained weights.
        assertEquals(trained.getLayer("conv4_block1_1_conv").getParam("W"), tuned.getLayer("conv4_block1_1_conv").getParam("W"));

        INDArray frozenBefore = tuned.getLayer("conv3_block3_2_conv").getParam("W").dup();
        INDArray trainableBefore = tuned.getLayer("conv4_block3_2_conv").getParam("W").dup();
        INDArray images = Nd4j.rand(DataType.FLOAT, 4, 1, 16, 16);
        INDArray labels = Nd4j.eye(3).getRows(0, 1, 2, 0).castTo(DataType.FLOAT);
        tuned.fit(new DataSet(images, labels));

        assertEquals(frozenBefore, tuned.getLayer("conv3_block3_2_conv").getParam("W"));
        assertNotEquals(trainableBefore, tuned.getLayer("conv4_block3_2_conv").getParam("W"));
        assertArrayEquals(new long[] {4, 3}, tuned.outputSingle(images).shape());
    }

    @Test
    void zeroFreezesNothing() {
        ComputationGraph trained = ResNets.build(ModelRequest.of("preresnet20", INPUT, 10));
        ComputationGraph tuned = ResNets.replaceHead(trained, 4, 0, TrainingOptions.defaults());
        for (Layer layer : tuned.getLayers()) {
            assertTrue(!(layer instanceof FrozenLayer), layer.conf().getLayer().getLayerName());
        }
        assertEquals(4, tuned.getLayer(ResNets.OUTPUT).getParam("b").length());
    }

    @Test
    void stageOutOfRangeNamesTheRange() {
        ComputationGraph trained = ResNets.build(ModelRequest.of("resnet20", INPUT, 10));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ResNets.replaceHead(trained, 3, 5, TrainingOptions.defaults()));
        assertTrue(e.getMessage().contains("2..4") && e.getMessage().contains("got 5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ResNets.replaceHead(trained, 1, 0, TrainingOptions.defaults()));
    }
}
