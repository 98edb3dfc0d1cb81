package org.sparkresnet.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.stream.Stream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Every model builds, initialises and runs forward with the right output shape (torchvision's test_models). */
class ForwardShapeTest {
    private static final int CLASSES = 7;

    static Stream<String> models() {
        return ResNets.supportedModels().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void forwardGivesOneProbabilityRowPerImage(String model) {
        // The 101/110/152-layer nets are slow on two cores: a smaller image keeps them quick and still crosses every stage.
        boolean deep = model.endsWith("101") || model.endsWith("152") || model.endsWith("110");
        InputShape input = deep ? new InputShape(3, 16, 16) : new InputShape(3, 32, 32);
        int batch = deep ? 1 : 2;
        ComputationGraph graph = ResNets.build(ModelRequest.of(model, input, CLASSES));

        INDArray images = Nd4j.rand(DataType.FLOAT, batch, input.channels(), input.height(), input.width());
        INDArray probabilities = graph.outputSingle(false, images);

        assertArrayEquals(new long[] {batch, CLASSES}, probabilities.shape());
        assertFalse(probabilities.isNaN().any());
        assertEquals(batch, probabilities.sumNumber().doubleValue(), 1e-4, "softmax rows sum to one");
    }
}
