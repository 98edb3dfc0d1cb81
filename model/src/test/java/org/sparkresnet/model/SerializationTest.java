package org.sparkresnet.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.File;
import java.nio.file.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class SerializationTest {
    @TempDir
    Path dir;

    @Test
    void modelSerializerRoundTripKeepsOutputsParametersAndUpdaterState() throws Exception {
        ComputationGraph graph = ResNets.build(ModelRequest.of("resnet20", new InputShape(1, 28, 28), 10));
        Nd4j.getRandom().setSeed(7);
        INDArray images = Nd4j.rand(DataType.FLOAT, 4, 1, 28, 28);
        INDArray labels = Nd4j.eye(10).getRows(1, 3, 5, 7).castTo(DataType.FLOAT);
        INDArray before = graph.outputSingle(false, images);
        // One step moves weights, BN running statistics and Adam's moments away from their initial values.
        graph.fit(new DataSet(images, labels));
        INDArray expected = graph.outputSingle(false, images);
        assertNotEquals(before, expected);

        File file = dir.resolve("resnet20.zip").toFile();
        ModelSerializer.writeModel(graph, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);

        assertEquals(graph.getConfiguration().toJson(), restored.getConfiguration().toJson());
        assertEquals(graph.params(), restored.params());
        assertEquals(graph.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        assertEquals(expected, restored.outputSingle(false, images));
    }
}
