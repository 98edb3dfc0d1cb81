package org.sparkresnet.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/** Heavy-ball momentum: v = m v + g, step lr x v, as PyTorch's SGD(momentum=m); DL4J has no such updater. */
class MomentumSgdTest {
    @Test
    void stepsFollowTheHeavyBallRecursionWithTheRateOutsideTheVelocity() {
        // rate 0.1 in epoch 0, 0.01 from epoch 1: the step after the change is 0.01 x v, v carrying the old gradients
        MomentumSgd config = new MomentumSgd(new MapSchedule(ScheduleType.EPOCH, Map.of(0, 0.1, 1, 0.01)), 0.9);
        INDArray state = Nd4j.create(DataType.DOUBLE, 1, 3);
        GradientUpdater<?> updater = config.instantiate(state, true);
        double[][] gradients = {{1, -2, 0.5}, {0.5, 0.5, 0.5}, {-1, 0, 2}};
        int[] epochs = {0, 0, 1};
        double[] v = new double[3];
        for (int t = 0; t < gradients.length; t++) {
            INDArray g = Nd4j.createFromArray(gradients[t]).reshape(1, 3);
            updater.applyUpdater(g, t, epochs[t]);
            double rate = epochs[t] == 0 ? 0.1 : 0.01;
            for (int i = 0; i < 3; i++) {
                v[i] = 0.9 * v[i] + gradients[t][i];
                assertEquals(rate * v[i], g.getDouble(0, i), 1e-12, "step " + t + " element " + i);
                assertEquals(v[i], state.getDouble(0, i), 1e-12, "velocity lives in the state view");
            }
        }
        assertEquals(3, config.stateSize(3));
        assertTrue(updater.getState().containsKey(MomentumSgd.VELOCITY));
    }

    /** A softmax regression trained three steps: the parameters are where the recursion on DL4J's gradients puts them. */
    @Test
    void aNetworkTrainedWithItMovesAsTheRecursionSays() {
        double lr = 0.5;
        double mu = 0.9;
        MultiLayerNetwork net = softmaxRegression(new MomentumSgd(lr, mu));
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 4);
        INDArray y = Nd4j.eye(3).repeat(0, 2).castTo(DataType.DOUBLE);
        INDArray expected = net.params().dup();
        INDArray velocity = Nd4j.zerosLike(expected);
        for (int step = 0; step < 3; step++) {
            net.setInput(x);
            net.setLabels(y);
            net.computeGradientAndScore();
            // laid out as params(); DL4J's updater divides the summed gradient by the minibatch size first
            INDArray g = net.getFlattenedGradients().dup().reshape(expected.shape()).divi(x.rows());
            velocity.muli(mu).addi(g);
            expected.subi(velocity.mul(lr));
            net.fit(x, y);
            assertTrue(expected.equalsWithEps(net.params(), 1e-10), "step " + step + ": " + expected + " vs " + net.params());
        }
    }

    @Test
    void withoutMomentumItIsDl4jsSgd() {
        Nd4j.getRandom().setSeed(2);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 4);
        INDArray y = Nd4j.eye(3).repeat(0, 2).castTo(DataType.DOUBLE);
        MultiLayerNetwork ours = softmaxRegression(new MomentumSgd(0.3, 0.0));
        MultiLayerNetwork dl4j = softmaxRegression(new Sgd(0.3));
        for (int step = 0; step < 3; step++) {
            ours.fit(x, y);
            dl4j.fit(x, y);
        }
        assertTrue(dl4j.params().equalsWithEps(ours.params(), 1e-12));
    }

    @Test
    void jsonRoundTripAndCloneKeepTheConfiguration() throws Exception {
        MomentumSgd withSchedule = new MomentumSgd(new MapSchedule(ScheduleType.EPOCH, Map.of(0, 0.1, 30, 0.01)), 0.9);
        var mapper = NeuralNetConfiguration.mapper();
        for (MomentumSgd config : new MomentumSgd[] {new MomentumSgd(0.2, 0.8), withSchedule}) {
            String json = mapper.writeValueAsString(config);
            assertEquals(config, mapper.readValue(json, IUpdater.class), json);
            assertEquals(config, config.clone());
        }
        assertEquals(0.01, withSchedule.getLearningRate(0, 30), 0.0);
        assertThrows(IllegalArgumentException.class, () -> new MomentumSgd(0.1, 1.0));
    }

    private static MultiLayerNetwork softmaxRegression(IUpdater updater) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(3).dataType(DataType.DOUBLE).updater(updater)
                .list(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(3).activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }
}
