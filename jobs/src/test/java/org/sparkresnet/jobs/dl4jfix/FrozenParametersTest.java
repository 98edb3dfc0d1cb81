package org.sparkresnet.jobs.dl4jfix;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkresnet.model.InputShape;
import org.sparkresnet.model.ModelRequest;
import org.sparkresnet.model.ResNets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rounding that moves frozen layers under parameter averaging, and the restore that undoes it. */
class FrozenParametersTest {
    @Test
    void averagingThreeEqualCopiesMovesSomeValuesAndRestorePutsThemBack() {
        // what dl4j-spark's averaging does with a frozen parameter, equal on three workers: sum, then divide by the count
        INDArray frozen = Nd4j.randn(DataType.FLOAT, 100_000).muli(0.1);
        INDArray averaged = frozen.dup().addi(frozen).addi(frozen).divi(3);
        long moved = averaged.neq(frozen).castTo(DataType.INT).sumNumber().longValue();
        assertTrue(moved > 5_000, "about 15% move by one ulp: " + moved);
        INDArray two = frozen.dup().addi(frozen).divi(2);
        assertEquals(0, two.neq(frozen).castTo(DataType.INT).sumNumber().longValue(), "exact with a power of two");

        ComputationGraph trained = ResNets.build(ModelRequest.of("resnet20", new InputShape(1, 16, 16), 10));
        ComputationGraph tuned = new TransferLearning.GraphBuilder(trained).setFeatureExtractor("conv2_block3_out").build();
        FrozenParameters saved = FrozenParameters.of(tuned);
        assertFalse(saved.isEmpty());
        float[] before = tuned.getLayer("conv2_block3_2_bn").getParam("mean").dup().data().asFloat();
        float[] trainableBefore = tuned.getLayer("conv3_block1_1_conv").getParam("W").dup().data().asFloat();
        tuned.params().muli(1.0001); // every parameter moved, as a round of averaging might
        saved.restore(tuned);
        assertArrayEquals(before, tuned.getLayer("conv2_block3_2_bn").getParam("mean").dup().data().asFloat());
        assertFalse(java.util.Arrays.equals(trainableBefore, tuned.getLayer("conv3_block1_1_conv").getParam("W").dup().data().asFloat()),
                "trainable layers keep what averaging gave them");
        assertTrue(FrozenParameters.of(trained).isEmpty(), "nothing to restore without frozen layers");
    }
}
