package org.sparkresnet.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class FeaturesTest {
    @ParameterizedTest
    @ValueSource(strings = {"resnet20", "preresnet32", "resnet18", "resnet50"})
    void featuresVertexIsThePooledVectorOfTheDocumentedWidth(String model) {
        ComputationGraph graph = ResNets.build(ModelRequest.of(model, new InputShape(3, 32, 32), 5));
        INDArray images = Nd4j.rand(DataType.FLOAT, 3, 3, 32, 32);

        Map<String, INDArray> activations = graph.feedForward(images, false);
        INDArray features = activations.get(ResNets.FEATURES);

        assertArrayEquals(new long[] {3, ResNets.featureWidth(model)}, features.shape());
        // The vector is an average of post-ReLU maps (v1) or post-BN-ReLU maps (v2): never negative.
        assertTrue(features.minNumber().doubleValue() >= 0, "pooled ReLU activations are non-negative");
        assertEquals(ResNets.featureWidth(model), graph.getLayer(ResNets.OUTPUT).getParam("W").rows());
    }
}
