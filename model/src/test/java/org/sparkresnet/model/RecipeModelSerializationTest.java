package org.sparkresnet.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A net built with every option of the ImageNet recipe (heavy-ball momentum, L2 weight decay, label smoothing,
 * zero-initialised residual batch norms) survives ModelSerializer save/load: configuration, parameters, momentum
 * state and outputs, and the restored net trains on exactly like the original.
 */
class RecipeModelSerializationTest {
    @TempDir
    Path dir;

    @Test
    void recipeNetRoundTripsAndTrainsOnIdentically() throws Exception {
        TrainingOptions recipe = new TrainingOptions(new MomentumSgd(0.1, 0.9), 1e-4, 42, TrainingOptions.WeightDecayMode.L2, 0.1, true);
        ComputationGraph graph = ResNets.build(new ModelRequest("resnet20", new InputShape(1, 28, 28), 10, recipe));
        Nd4j.getRandom().setSeed(7);
        INDArray images = Nd4j.rand(DataType.FLOAT, 4, 1, 28, 28);
        DataSet batch = new DataSet(images, Nd4j.eye(10).getRows(1, 3, 5, 7).castTo(DataType.FLOAT));
        graph.fit(batch);
        assertTrue(graph.getUpdater().getStateViewArray().amaxNumber().doubleValue() > 0, "one step fills the velocity");

        File file = dir.resolve("recipe.zip").toFile();
        ModelSerializer.writeModel(graph, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);

        assertEquals(graph.getConfiguration().toJson(), restored.getConfiguration().toJson());
        assertTrue(restored.getConfiguration().toJson().contains("MomentumSgd"));
        OutputLayer head = (OutputLayer) ((LayerVertex) restored.getConfiguration().getVertices().get(ResNets.OUTPUT)).getLayerConf().getLayer();
        assertEquals(new LabelSmoothingCrossEntropy(0.1), head.getLossFn());
        assertEquals(graph.params(), restored.params());
        assertEquals(graph.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        assertEquals(graph.outputSingle(false, images), restored.outputSingle(false, images));
        assertEquals(graph.score(batch), restored.score(batch), 1e-6);

        graph.fit(batch);
        restored.fit(batch);
        assertEquals(graph.params(), restored.params(), "the second step, with the restored velocity, is the same");
    }
}
