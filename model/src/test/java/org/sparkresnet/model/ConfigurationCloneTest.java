package org.sparkresnet.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * dl4j-spark's training and evaluation workers rebuild the network from {@code configuration.clone()} and the
 * driver's flat parameter vector. clone() does not keep a pinned topological order, so the clone must lay the
 * parameters out exactly as the original does, or workers train a scrambled network (as they did when the builder
 * pinned insertion order: resnet20, resnet18 and resnet50 differed).
 */
class ConfigurationCloneTest {
    @ParameterizedTest
    @ValueSource(strings = {"resnet20", "preresnet20", "plain20", "resnet18", "preresnet18", "resnet50", "preresnet50", "plain50"})
    void aClonedConfigurationReadsTheParametersTheSameWay(String model) {
        InputShape input = model.endsWith("20") ? new InputShape(1, 28, 28) : new InputShape(3, 32, 32);
        ComputationGraph original = ResNets.build(ModelRequest.of(model, input, 10));
        ComputationGraph copy = new ComputationGraph(original.getConfiguration().clone());
        copy.init(original.params().dup(), false);

        assertArrayEquals(original.getConfiguration().getTopologicalOrder(), copy.getConfiguration().getTopologicalOrder(), model);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, input.channels(), input.height(), input.width());
        assertArrayEquals(original.outputSingle(false, x).data().asFloat(), copy.outputSingle(false, x).data().asFloat(), 1e-6f, model);
    }
}
