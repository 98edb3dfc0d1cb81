package org.sparkresnet.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkresnet.model.GraphSettings;
import org.sparkresnet.model.InputShape;
import org.sparkresnet.model.ModelRequest;
import org.sparkresnet.model.ResNets;

/**
 * The oneDNN helpers compute the same function and gradients as DL4J's reference code: the float graph runs on the
 * helpers, the double twin (which the helpers decline, being float-only) on DL4J's built-in Java/im2col path.
 */
class OneDnnAgreementTest {
    @Test
    void floatOneDnnGraphMatchesDoubleReferenceGraph() {
        ModelRequest request = ModelRequest.of("resnet20", new InputShape(1, 8, 8), 10);
        ComputationGraph oneDnn = ResNets.build(request);
        ComputationGraph reference = ResNets.build(request, GraphSettings.fast().withDataType(DataType.DOUBLE));
        reference.setParams(oneDnn.params().castTo(DataType.DOUBLE));
        assertEquals(NativeRuntime.expectedConvHelper(), LayerHelpers.convolution(oneDnn).get("conv2_block1_1_conv"));

        Nd4j.getRandom().setSeed(3);
        INDArray images = Nd4j.rand(DataType.DOUBLE, 4, 1, 8, 8);
        INDArray labels = Nd4j.eye(10).castTo(DataType.DOUBLE).getRows(0, 3, 6, 9);

        INDArray expectedOutput = reference.outputSingle(false, images);
        INDArray actualOutput = oneDnn.outputSingle(false, images.castTo(DataType.FLOAT)).castTo(DataType.DOUBLE);
        assertTrue(relativeDifference(actualOutput, expectedOutput) < 1e-4, "inference outputs differ");

        INDArray expectedGradient = gradient(reference, images, labels);
        INDArray actualGradient = gradient(oneDnn, images.castTo(DataType.FLOAT), labels.castTo(DataType.FLOAT));
        double difference = relativeDifference(actualGradient, expectedGradient);
        assertTrue(difference < 1e-3, "oneDNN gradients differ from the reference by " + difference);
    }

    private static INDArray gradient(ComputationGraph graph, INDArray images, INDArray labels) {
        graph.setInputs(images);
        graph.setLabels(labels);
        graph.computeGradientAndScore();
        return graph.gradient().gradient().castTo(DataType.DOUBLE).dup();
    }

    private static double relativeDifference(INDArray actual, INDArray expected) {
        return actual.sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
    }
}
