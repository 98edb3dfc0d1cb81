package org.sparkresnet.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;

/**
 * Weight decay reaches the weights of convolutions and of the dense layer, and never a bias or a batch-norm
 * parameter (gamma, beta, or the running statistics): read from the built configuration per parameter, as DL4J's
 * updater reads it, and seen in what one training step does.
 */
class RegularizationTest {
    private static final double WD = 1e-4;

    private static List<Regularization> regularization(ComputationGraphConfiguration conf, String layerName, String param) {
        Layer layer = ((LayerVertex) conf.getVertices().get(layerName)).getLayerConf().getLayer();
        return layer.getRegularizationByParam(param);
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet20", "preresnet20", "plain20", "resnet18", "resnet50", "preresnet50"})
    void everyWeightAndOnlyWeightsGetWeightDecay(String model) {
        for (TrainingOptions.WeightDecayMode mode : TrainingOptions.WeightDecayMode.values()) {
            TrainingOptions options = TrainingOptions.defaults().withWeightDecay(WD, mode);
            ComputationGraphConfiguration conf = ResNets.configuration(new ModelRequest(model, new InputShape(3, 32, 32), 10, options));
            int decayed = 0;
            int exempt = 0;
            for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
                if (!(e.getValue() instanceof LayerVertex vertex)) {
                    continue;
                }
                Layer layer = vertex.getLayerConf().getLayer();
                for (String param : layer.initializer().paramKeys(layer)) {
                    List<Regularization> r = layer.getRegularizationByParam(param);
                    boolean weight = (layer instanceof ConvolutionLayer || layer instanceof OutputLayer) && param.equals("W");
                    String where = model + " " + mode + " " + e.getKey() + "." + param;
                    if (weight) {
                        assertEquals(1, r.size(), where + ": " + r);
                        Regularization only = r.get(0);
                        if (mode == TrainingOptions.WeightDecayMode.L2) {
                            assertTrue(only instanceof L2Regularization, where + ": " + only);
                            assertEquals(WD, ((L2Regularization) only).getL2().valueAt(0, 0), 0.0, where);
                        } else {
                            assertTrue(only instanceof WeightDecay, where + ": " + only);
                            assertEquals(WD, ((WeightDecay) only).getCoeff().valueAt(0, 0), 0.0, where);
                        }
                        decayed++;
                    } else {
                        assertTrue(r == null || r.isEmpty(), where + " is a bias or batch-norm parameter, got " + r);
                        assertTrue(layer instanceof BatchNormalization || param.equals("b"), where);
                        exempt++;
                    }
                }
            }
            assertTrue(decayed > 0 && exempt > 0, model);
        }
    }

    @Test
    void withoutWeightDecayNothingIsRegularised() {
        ComputationGraphConfiguration conf = ResNets.configuration(ModelRequest.of("resnet20", new InputShape(1, 28, 28), 10));
        assertTrue(regularization(conf, "conv1_conv", "W").isEmpty());
        assertTrue(regularization(conf, ResNets.OUTPUT, "W").isEmpty());
    }

    /**
     * One SGD step (rate 0.1) with decay 0.1 against the same step without: decayed parameters end lr x wd x w lower,
     * every batch-norm parameter and the output bias end exactly where the undecayed net's did. Both modes agree for
     * plain SGD.
     */
    @ParameterizedTest
    @EnumSource(TrainingOptions.WeightDecayMode.class)
    void oneStepDecaysWeightsAndLeavesBatchNormAndBiasesAlone(TrainingOptions.WeightDecayMode mode) {
        double lr = 0.1;
        double wd = 0.1;
        GraphSettings doubles = GraphSettings.fast().withDataType(DataType.DOUBLE);
        TrainingOptions base = new TrainingOptions(new Sgd(lr), 0.0, 5);
        ComputationGraph plain = ResNets.build(new ModelRequest("resnet20", new InputShape(1, 8, 8), 4, base), doubles);
        ComputationGraph decayed = ResNets.build(new ModelRequest("resnet20", new InputShape(1, 8, 8), 4,
                base.withWeightDecay(wd, mode)), doubles);
        Map<String, INDArray> before = copyParams(decayed);
        Nd4j.getRandom().setSeed(11);
        DataSet batch = new DataSet(Nd4j.rand(DataType.DOUBLE, 4, 1, 8, 8), Nd4j.eye(4).castTo(DataType.DOUBLE));
        plain.fit(batch);
        decayed.fit(batch);

        int checked = 0;
        for (String name : before.keySet()) {
            INDArray difference = decayed.getParam(name).sub(plain.getParam(name));
            boolean isWeight = name.endsWith("_conv_W") || name.equals(ResNets.OUTPUT + "_W");
            INDArray expected = isWeight ? before.get(name).mul(-lr * wd) : Nd4j.zerosLike(difference);
            double tolerance = 1e-9 + 1e-6 * expected.amaxNumber().doubleValue();
            assertTrue(difference.equalsWithEps(expected, tolerance), name + ": " + difference.sub(expected).amaxNumber());
            checked++;
        }
        assertTrue(checked > 60, "resnet20 has 19 convolutions, 19 batch norms and the dense layer");
    }

    private static Map<String, INDArray> copyParams(ComputationGraph graph) {
        Map<String, INDArray> copy = new java.util.LinkedHashMap<>();
        graph.paramTable().forEach((k, v) -> copy.put(k, v.dup()));
        return copy;
    }
}
