package org.sparkresnet.model.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkresnet.model.GraphSettings;
import org.sparkresnet.model.InputShape;
import org.sparkresnet.model.ModelRequest;
import org.sparkresnet.model.ResNets;

/**
 * ResidualAdd gives the same outputs and gradients as DL4J's ElementWiseVertex(Add) in the project's ResNets: the
 * same configuration with only the residual sums swapped back to DL4J's vertex, identity and projection shortcuts,
 * v1 and pre-activation blocks.
 */
class ResidualAddTest {
    private static ComputationGraphConfiguration configuration(String model, InputShape input, DataType type) {
        return ResNets.configuration(ModelRequest.of(model, input, 10), GraphSettings.fast().withDataType(type));
    }

    /** {@code conf} with every ResidualAdd replaced by DL4J's ElementWiseVertex(Add); returns how many there were. */
    private static int withStockAdds(ComputationGraphConfiguration conf) {
        int replaced = 0;
        for (Map.Entry<String, GraphVertex> vertex : conf.getVertices().entrySet()) {
            if (vertex.getValue() instanceof ResidualAdd) {
                vertex.setValue(new ElementWiseVertex(ElementWiseVertex.Op.Add));
                replaced++;
            }
        }
        return replaced;
    }

    private static ComputationGraph graph(ComputationGraphConfiguration conf) {
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    private static INDArray gradient(ComputationGraph graph, INDArray images, INDArray labels) {
        graph.setInputs(images);
        graph.setLabels(labels);
        graph.computeGradientAndScore();
        return graph.gradient().gradient().dup();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"resnet20, DOUBLE", "preresnet20, DOUBLE", "resnet18, DOUBLE", "resnet20, FLOAT"})
    void gradientsAndOutputsEqualDl4jsAddVertex(String model, DataType type) {
        InputShape input = model.equals("resnet18") ? new InputShape(3, 16, 16) : new InputShape(1, 8, 8);
        ComputationGraph project = graph(configuration(model, input, type));
        ComputationGraphConfiguration stockConf = configuration(model, input, type);
        assertTrue(withStockAdds(stockConf) > 0);
        ComputationGraph stock = graph(stockConf);
        stock.setParams(project.params());
        assertTrue(project.getVertices().length == stock.getVertices().length);

        Nd4j.getRandom().setSeed(9);
        INDArray images = Nd4j.rand(type, 4, input.channels(), input.height(), input.width());
        INDArray labels = Nd4j.eye(10).castTo(type).getRows(0, 3, 6, 9);
        assertEquals(stock.outputSingle(false, images), project.outputSingle(false, images));
        INDArray expected = gradient(stock, images, labels);
        INDArray actual = gradient(project, images, labels);
        assertEquals(stock.score(), project.score(), 0.0);
        assertEquals(0.0, expected.sub(actual).amaxNumber().doubleValue(), 0.0, "gradients differ");
    }

    @Test
    void savedModelAndClonedConfigurationKeepTheVertex() throws Exception {
        ComputationGraph graph = graph(configuration("resnet20", new InputShape(1, 8, 8), DataType.FLOAT));
        assertTrue(graph.getConfiguration().clone().getVertices().get("conv2_block1_add") instanceof ResidualAdd);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(graph, bytes, false);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), false);
        assertTrue(restored.getConfiguration().getVertices().get("conv2_block1_add") instanceof ResidualAdd);
        assertTrue(restored.getVertex("conv2_block1_add") instanceof ResidualAddVertex);
        INDArray images = Nd4j.rand(DataType.FLOAT, 2, 1, 8, 8);
        assertEquals(graph.outputSingle(images), restored.outputSingle(images));
    }
}
