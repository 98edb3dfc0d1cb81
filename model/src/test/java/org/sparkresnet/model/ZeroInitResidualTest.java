package org.sparkresnet.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link TrainingOptions#zeroInitResidual()}: the last batch norm of every v1 residual branch starts at gamma 0 and every
 * other batch norm at gamma 1; v2 and plain nets, and every net without the option, keep gamma 1 everywhere.
 */
class ZeroInitResidualTest {
    /** conv{stage}_block{i}_{j}_bn: a batch norm inside a residual branch (j = 0 is the projection shortcut's). */
    private static final Pattern BRANCH_BN = Pattern.compile("conv\\d+_block\\d+_(\\d+)_bn");

    private static ComputationGraph build(String model, InputShape input, boolean zeroInit) {
        return ResNets.build(new ModelRequest(model, input, 10, TrainingOptions.defaults().withZeroInitResidual(zeroInit)));
    }

    /** Every batch norm's gamma, by layer name. */
    private static Map<String, INDArray> gammas(ComputationGraph graph) {
        Map<String, INDArray> gammas = new TreeMap<>();
        for (Layer layer : graph.getLayers()) {
            if (layer instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
                gammas.put(layer.conf().getLayer().getLayerName(), layer.getParam(BatchNormalizationParamInitializer.GAMMA));
            }
        }
        return gammas;
    }

    /** The last batch norm of each branch has gamma 0 (branchConvs = 2 for basic, 3 for bottleneck blocks), the rest 1. */
    private static void assertZeroOnlyAtBranchEnds(ComputationGraph graph, int branchConvs, int expectedZeroed) {
        int zeroed = 0;
        int ones = 0;
        for (Map.Entry<String, INDArray> e : gammas(graph).entrySet()) {
            Matcher m = BRANCH_BN.matcher(e.getKey());
            boolean last = m.matches() && Integer.parseInt(m.group(1)) == branchConvs;
            double expected = last ? 0.0 : 1.0;
            assertEquals(expected, e.getValue().minNumber().doubleValue(), 0.0, e.getKey());
            assertEquals(expected, e.getValue().maxNumber().doubleValue(), 0.0, e.getKey());
            if (last) {
                zeroed++;
            } else {
                ones++;
            }
        }
        assertEquals(expectedZeroed, zeroed, "one zeroed batch norm per block");
        assertTrue(ones > 0, "the stem's, the shortcuts' and the inner batch norms keep gamma 1");
    }

    @Test
    void basicBlocksOfResnet20And18StartWithTheirLastBatchNormAtZero() {
        assertZeroOnlyAtBranchEnds(build("resnet20", new InputShape(1, 28, 28), true), 2, 9);
        assertZeroOnlyAtBranchEnds(build("resnet18", new InputShape(3, 32, 32), true), 2, 8);
    }

    @Test
    void bottleneckBlocksOfResnet50StartWithTheirThirdBatchNormAtZero() {
        assertZeroOnlyAtBranchEnds(build("resnet50", new InputShape(3, 32, 32), true), 3, 16);
    }

    @Test
    void offByDefaultAndForPreactivationAndPlainNets() {
        for (ComputationGraph graph : new ComputationGraph[] {
                ResNets.build(ModelRequest.of("resnet20", new InputShape(1, 28, 28), 10)),
                build("preresnet20", new InputShape(1, 28, 28), true),
                build("plain20", new InputShape(1, 28, 28), true)}) {
            Map<String, INDArray> gammas = gammas(graph);
            assertFalse(gammas.isEmpty());
            gammas.forEach((name, gamma) -> {
                assertEquals(1.0, gamma.minNumber().doubleValue(), 0.0, name);
                assertEquals(1.0, gamma.maxNumber().doubleValue(), 0.0, name);
            });
        }
    }

    @Test
    void optionChangesNoParameterCountAndNoOtherInitialValue() {
        ComputationGraph plain = build("resnet20", new InputShape(1, 28, 28), false);
        ComputationGraph zeroed = build("resnet20", new InputShape(1, 28, 28), true);
        assertEquals(plain.numParams(), zeroed.numParams());
        for (String name : plain.paramTable().keySet()) {
            boolean zeroedGamma = name.matches("conv\\d+_block\\d+_2_bn_gamma");
            assertEquals(!zeroedGamma, plain.getParam(name).equals(zeroed.getParam(name)), name);
        }
    }

    /** In inference (running statistics 0 and 1, beta 0) a zero-initialised block is its shortcut, then ReLU. */
    @Test
    void aZeroInitialisedBlockStartsAsItsShortcut() {
        ComputationGraph graph = build("resnet20", new InputShape(1, 28, 28), true);
        Nd4j.getRandom().setSeed(3);
        INDArray images = Nd4j.rand(DataType.FLOAT, 2, 1, 28, 28);
        Map<String, INDArray> activations = graph.feedForward(images, false);
        // conv2_block2 has an identity shortcut: its sum is its input, conv2_block1's output
        assertEquals(activations.get("conv2_block1_out"), activations.get("conv2_block2_add"));
        assertEquals(activations.get("conv2_block1_out"), activations.get("conv2_block2_out"));
    }
}
