package org.sparkresnet.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every net pads as torchvision does (symmetrically, kernel / 2 on every side) and keeps the output sizes of DL4J's
 * Same mode, ceil(size / stride), for every input size; the stem's padded max pool never lets the padding win.
 */
class TorchvisionGeometryTest {
    private static final List<Integer> SIZES = List.of(1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 224, 225, 227);

    static Stream<String> models() {
        return ResNets.supportedModels().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void everyConvolutionAndPoolPadsSymmetricallyAndKeepsCeilSizes(String model) {
        ComputationGraphConfiguration conf = ResNets.configuration(ModelRequest.of(model, new InputShape(3, 32, 32), 10));
        int checked = 0;
        for (int size : SIZES) {
            Map<String, InputType> types = conf.getLayerActivationTypes(InputType.convolutional(size, size + 1, 3));
            for (Map.Entry<String, GraphVertex> vertex : conf.getVertices().entrySet()) {
                if (!(vertex.getValue() instanceof LayerVertex lv)) {
                    continue;
                }
                Layer layer = lv.getLayerConf().getLayer();
                int[] kernel, stride, padding;
                ConvolutionMode mode;
                if (layer instanceof ConvolutionLayer c) {
                    kernel = c.getKernelSize();
                    stride = c.getStride();
                    padding = c.getPadding();
                    mode = c.getConvolutionMode();
                } else if (layer instanceof SubsamplingLayer s) {
                    kernel = s.getKernelSize();
                    stride = s.getStride();
                    padding = s.getPadding();
                    mode = s.getConvolutionMode();
                } else {
                    continue;
                }
                String name = vertex.getKey();
                assertEquals(kernel[0] / 2, padding[0], name);
                assertEquals(kernel[1] / 2, padding[1], name);
                // a 1x1 convolution keeps Same mode, which pads it by nothing
                assertEquals(kernel[0] == 1 ? ConvolutionMode.Same : ConvolutionMode.Truncate, mode, name);
                InputType.InputTypeConvolutional in = (InputType.InputTypeConvolutional)
                        types.get(conf.getVertexInputs().get(name).get(0));
                InputType.InputTypeConvolutional out = (InputType.InputTypeConvolutional) types.get(name);
                assertEquals(ceilDiv(in.getHeight(), stride[0]), out.getHeight(), name + " at " + size);
                assertEquals(ceilDiv(in.getWidth(), stride[1]), out.getWidth(), name + " at " + (size + 1));
                checked++;
            }
        }
        assertTrue(checked > 0);
    }

    @ParameterizedTest(name = "{0}x{0}")
    @ValueSource(ints = {8, 9})
    void theStemPoolTakesTheMaximumOverTheCellsInsideTheImage(int size) {
        ComputationGraphConfiguration resnet = ResNets.configuration(ModelRequest.of("resnet18", new InputShape(3, 32, 32), 10));
        Layer pool = ((LayerVertex) resnet.getVertices().get("pool1_pool")).getLayerConf().getLayer().clone();
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).graphBuilder()
                .addInputs("in").addLayer("pool", pool, "in").setOutputs("pool")
                .setInputTypes(InputType.convolutional(size, size, 2)).build());
        net.init();
        // All negative: a zero padding would win the maximum at every border cell.
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 2, size, size).addi(1).negi();
        INDArray y = net.outputSingle(false, x);

        int out = (size + 1) / 2;
        assertEquals(List.of(2L, 2L, (long) out, (long) out), List.of(y.shape()[0], y.shape()[1], y.shape()[2], y.shape()[3]));
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < out; i++) {
                    for (int j = 0; j < out; j++) {
                        double max = Double.NEGATIVE_INFINITY;
                        for (int di = -1; di <= 1; di++) {
                            for (int dj = -1; dj <= 1; dj++) {
                                int r = 2 * i + di, s = 2 * j + dj;
                                if (r >= 0 && r < size && s >= 0 && s < size) {
                                    max = Math.max(max, x.getDouble(n, c, r, s));
                                }
                            }
                        }
                        assertEquals(max, y.getDouble(n, c, i, j), 1e-6, "cell " + i + "," + j);
                    }
                }
            }
        }
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
