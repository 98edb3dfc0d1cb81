package org.sparkresnet.model;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * The ResNet family as DL4J ComputationGraphs: resnet18..152 (v1), preresnet18..152 (v2), the small-image
 * resnet20..110 / preresnet20..110, and a shortcut-free plain twin of every residual net.
 * <p>
 * Every graph has one input {@link #INPUT} (NCHW), the pooled feature vector {@link #FEATURES} and the softmax
 * output {@link #OUTPUT}; layer names are Keras-style ({@code conv2_block1_1_conv}, see {@link LayerNames}).
 */
public final class ResNets {
    public static final String INPUT = "input";
    public static final String OUTPUT = "output";
    public static final String FEATURES = "features";

    private ResNets() {
    }

    /** Every accepted model name. */
    public static List<String> supportedModels() {
        return ArchitectureTable.names();
    }

    /** @throws IllegalArgumentException for an unknown name, listing the supported ones */
    public static Architecture architecture(String model) {
        return ArchitectureTable.lookup(model);
    }

    /** Width of the {@link #FEATURES} vector: 512 for resnet18/34, 2048 for 50/101/152, 64 for resnet20..110. */
    public static int featureWidth(String model) {
        return architecture(model).featureWidth();
    }

    /** The project's configuration (float, oneDNN-friendly batch norm). */
    public static ComputationGraphConfiguration configuration(ModelRequest request) {
        return configuration(request, GraphSettings.fast());
    }

    public static ComputationGraphConfiguration configuration(ModelRequest request, GraphSettings settings) {
        return configuration(architecture(request.model()), request.input(), request.numClasses(), request.training(), settings);
    }

    /** For architectures outside the table, e.g. the tiny nets of gradient checks. */
    public static ComputationGraphConfiguration configuration(Architecture architecture, InputShape input, int numClasses,
                                                              TrainingOptions training, GraphSettings settings) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("numClasses must be >= 2 for a softmax classifier, got " + numClasses);
        }
        return ResNetGraphBuilder.build(architecture, input, numClasses, training, settings);
    }

    /** Configured and initialised. */
    public static ComputationGraph build(ModelRequest request) {
        return build(request, GraphSettings.fast());
    }

    public static ComputationGraph build(ModelRequest request, GraphSettings settings) {
        return initialise(configuration(request, settings));
    }

    public static ComputationGraph initialise(ComputationGraphConfiguration configuration) {
        ComputationGraph graph = new ComputationGraph(configuration);
        graph.init();
        return graph;
    }

    /**
     * Transfer learning: a copy of {@code trained} with a new {@link #OUTPUT} layer for {@code newNumClasses} and the
     * stages up to {@code freezeThroughStage} frozen (0 = none, 1 = the stem, 2 = stem and conv2, ...).
     */
    public static ComputationGraph replaceHead(ComputationGraph trained, int newNumClasses, int freezeThroughStage,
                                               TrainingOptions training) {
        return HeadReplacement.replace(trained, newNumClasses, freezeThroughStage, training);
    }
}
