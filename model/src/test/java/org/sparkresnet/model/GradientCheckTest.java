package org.sparkresnet.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import java.util.ArrayList;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * Backprop through the builder's blocks (shortcuts, projections, batch norm in training mode, pooling) agrees with
 * finite differences, in double precision as DL4J's own BN gradient checks do.
 */
class GradientCheckTest {
    private static final InputShape INPUT = new InputShape(1, 4, 4);
    private DataType previousDefault;
    private DataType previousFloatDefault;

    @BeforeEach
    void useDoublePrecision() {
        // GradientCheckUtil refuses to run unless ND4J's global default is double.
        previousDefault = Nd4j.dataType();
        previousFloatDefault = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterEach
    void restorePrecision() {
        Nd4j.setDefaultDataTypes(previousDefault, previousFloatDefault);
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void tinyNetsPassDl4jGradientCheck(Variant variant) {
        for (BlockKind block : BlockKind.values()) {
            assertGradientsMatch(tinyNet(variant, block));
        }
    }

    /** The same nets with batch norm on the project's rowwise helper (which, unlike oneDNN's, runs in double). */
    @ParameterizedTest
    @EnumSource(Variant.class)
    void tinyNetsPassDl4jGradientCheckOnTheRowwiseBatchNormHelper(Variant variant) {
        System.setProperty(org.sparkresnet.model.layers.RowwiseBatchNormalization.POLICY_PROPERTY, "always");
        try {
            for (BlockKind block : BlockKind.values()) {
                assertGradientsMatch(tinyNet(variant, block));
            }
        } finally {
            System.clearProperty(org.sparkresnet.model.layers.RowwiseBatchNormalization.POLICY_PROPERTY);
        }
    }

    /**
     * Every code path of the builder at a size finite differences can afford (each parameter costs two forward
     * passes): stage 1 keeps the stem's width (identity shortcut for BASIC, 2 -> 4 projection for BOTTLENECK), stage 2
     * strides by 2 with a projection.
     */
    private static Architecture tinyNet(Variant variant, BlockKind block) {
        List<Integer> widths = block == BlockKind.BASIC ? List.of(2, 3) : List.of(1, 2);
        return new Architecture("tiny-" + variant + "-" + block, variant, new Stem(2, 3, 1, false), block,
                List.of(1, 1), widths);
    }

    private static void assertGradientsMatch(Architecture tiny) {
        ComputationGraph graph = ResNets.initialise(withInsertionOrder(ResNets.configuration(tiny, INPUT, 3,
                new TrainingOptions(new NoOp(), 0.0, 12345), GraphSettings.fast().withDataType(DataType.DOUBLE))));
        Nd4j.getRandom().setSeed(12345);
        INDArray images = Nd4j.rand(DataType.DOUBLE, 3, INPUT.channels(), INPUT.height(), INPUT.width()).subi(0.5);
        INDArray labels = Nd4j.eye(3).castTo(DataType.DOUBLE);

        boolean rowwise = org.sparkresnet.model.layers.RowwiseBatchNormalization.usesRowwiseHelper();
        for (org.deeplearning4j.nn.api.Layer layer : graph.getLayers()) {
            if (layer instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
                assertEquals(rowwise, layer.getHelper() instanceof org.sparkresnet.model.layers.RowwiseBatchNormHelper,
                        layer.conf().getLayer().getLayerName());
            }
        }
        boolean passed = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig()
                .net(graph)
                .inputs(new INDArray[] {images})
                .labels(new INDArray[] {labels})
                .excludeParams(batchNormStatistics(graph))
                .epsilon(1e-6)
                .maxRelError(1e-3)
                .minAbsoluteError(1e-8)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
        assertTrue(passed, tiny.name() + " (" + graph.numParams() + " parameters) failed the gradient check");
    }

    /**
     * GradientCheckUtil names the flat parameter vector's stretches in paramTable() order (insertion order) while
     * DL4J lays the vector out in topological order; where the two differ it names, and so excludes, the wrong
     * parameters. For the check only, pin the topological order to the insertion order (valid: every vertex is
     * added after its inputs). Production configurations keep DL4J's own order, which survives clone().
     */
    private static ComputationGraphConfiguration withInsertionOrder(ComputationGraphConfiguration configuration) {
        List<String> order = new ArrayList<>(configuration.getNetworkInputs());
        order.addAll(configuration.getVertices().keySet());
        configuration.setTopologicalOrderStr(order);
        configuration.setTopologicalOrder(IntStream.range(0, order.size()).toArray());
        return configuration;
    }

    /** BN's running mean/variance are not learned by gradient: DL4J's own checks exclude them. */
    private static Set<String> batchNormStatistics(ComputationGraph graph) {
        Set<String> excluded = new HashSet<>();
        for (Layer layer : graph.getLayers()) {
            if (layer.conf().getLayer() instanceof BatchNormalization) {
                String name = layer.conf().getLayer().getLayerName();
                excluded.add(name + "_" + BatchNormalizationParamInitializer.GLOBAL_MEAN);
                excluded.add(name + "_" + BatchNormalizationParamInitializer.GLOBAL_VAR);
                excluded.add(name + "_" + BatchNormalizationParamInitializer.GLOBAL_LOG_STD);
            }
        }
        return excluded;
    }
}
