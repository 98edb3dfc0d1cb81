package org.sparkresnet.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Counts from the configuration only (no weights are allocated), against torchvision's published figures. */
class ParameterCountTest {
    private static final InputShape IMAGENET = new InputShape(3, 224, 224);

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
            "resnet18, 11689512",
            "resnet34, 21797672",
            "resnet50, 25557032",
            "resnet101, 44549160",
            "resnet152, 60192808"})
    void imageNetNetsMatchTorchvision(String model, long torchvision) {
        ParameterCount count = ParameterCount.of(ResNets.configuration(ModelRequest.of(model, IMAGENET, 1000)));
        assertEquals(torchvision, count.trainable());
        // DL4J also stores running mean and variance: two values per BN channel, half of BN's gamma/beta count.
        assertEquals(count.trainable() + batchNormChannels(model, IMAGENET, 1000) * 2, count.total());
    }

    @ParameterizedTest
    @CsvSource({
            // the PyTorch peer's figure for ResNet-20 with 1x1 projection shortcuts
            "resnet20, 272186",
            // resnet18 without its three projection shortcuts (1x1 conv + BN gamma/beta each):
            // 11,689,512 - (64*128 + 256) - (128*256 + 512) - (256*512 + 1024)
            "plain18, 11515688"})
    void smallAndPlainNets(String model, long expected) {
        InputShape input = model.equals("resnet20") ? new InputShape(1, 28, 28) : IMAGENET;
        int classes = model.equals("resnet20") ? 10 : 1000;
        assertEquals(expected, ParameterCount.of(ResNets.configuration(ModelRequest.of(model, input, classes))).trainable());
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet20", "preresnet20", "plain20"})
    void configurationCountEqualsTheInitialisedGraph(String model) {
        ModelRequest request = ModelRequest.of(model, new InputShape(3, 32, 32), 10);
        ComputationGraph graph = ResNets.build(request);
        ParameterCount fromConfig = ParameterCount.of(graph.getConfiguration());
        assertEquals(graph.numParams(), fromConfig.total());
        assertEquals(fromConfig, ParameterCount.of(graph));
    }

    private static long batchNormChannels(String model, InputShape input, int classes) {
        return ResNets.configuration(ModelRequest.of(model, input, classes)).getVertices().values().stream()
                .filter(v -> v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv
                        && lv.getLayerConf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization)
                .mapToLong(v -> ((org.deeplearning4j.nn.conf.layers.BatchNormalization)
                        ((org.deeplearning4j.nn.conf.graph.LayerVertex) v).getLayerConf().getLayer()).getNOut())
                .sum();
    }
}
