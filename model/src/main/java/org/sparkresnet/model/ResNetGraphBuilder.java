package org.sparkresnet.model;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.sparkresnet.model.layers.ForwardOnceConvolution;
import org.sparkresnet.model.layers.ReluActivation;
import org.sparkresnet.model.layers.ResidualAdd;
import org.sparkresnet.model.layers.RowwiseBatchNormalization;

/**
 * Turns an {@link Architecture} into a DL4J graph: one stem, one block builder for every variant and block kind,
 * one head. Each instance builds one graph; the only state is that graph under construction.
 */
final class ResNetGraphBuilder {
    /** A vertex already in the graph and the channels it outputs. */
    private record Node(String name, int channels) {
    }

    private final Architecture architecture;
    private final GraphSettings settings;
    private final TrainingOptions training;
    private final ComputationGraphConfiguration.GraphBuilder graph;

    private ResNetGraphBuilder(Architecture architecture, TrainingOptions training, GraphSettings settings) {
        this.architecture = architecture;
        this.settings = settings;
        this.training = training;
        NeuralNetConfiguration.Builder defaults = new NeuralNetConfiguration.Builder()
                .seed(training.seed())
                .dataType(settings.dataType())
                .updater(training.updater())
                .weightInit(WeightInit.RELU)
                // torchvision's geometry: every convolution and the stem's pool pad symmetrically (see padded()).
                .convolutionMode(ConvolutionMode.Truncate);
        // Weight decay is set on the convolutions and the dense layer themselves (weightRegularization), not here:
        // DL4J M2.1 configures a layer twice from these defaults and appends a default WeightDecay each time, so
        // defaults.weightDecay(wd) decayed every weight by 2 x wd (RegularizationTest).
        this.graph = defaults.graphBuilder();
    }

    static ComputationGraphConfiguration build(Architecture architecture, InputShape input, int numClasses,
                                               TrainingOptions training, GraphSettings settings) {
        return new ResNetGraphBuilder(architecture, training, settings).assemble(input, numClasses);
    }

    private ComputationGraphConfiguration assemble(InputShape input, int numClasses) {
        graph.addInputs(ResNets.INPUT);
        Node x = stem(new Node(ResNets.INPUT, input.channels()));
        for (int stage = 0; stage < architecture.stageCount(); stage++) {
            int blocks = architecture.blocksPerStage().get(stage);
            for (int block = 0; block < blocks; block++) {
                int stride = block == 0 ? architecture.stageStride(stage) : 1;
                x = block(x, stage, block, stride);
            }
        }
        if (architecture.variant() == Variant.PREACTIVATION) {
            // v2 blocks end on an un-normalised sum: normalise and activate once before pooling.
            x = relu(batchNorm(x, LayerNames.head("bn")), LayerNames.head("relu"));
        }
        graph.addLayer(ResNets.FEATURES, new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), x.name());
        OutputLayer.Builder head = training.labelSmoothing() > 0
                ? new OutputLayer.Builder(new LabelSmoothingCrossEntropy(training.labelSmoothing()))
                : new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT);
        head.nIn(x.channels()).nOut(numClasses)
                .activation(Activation.SOFTMAX)
                .weightInit(WeightInit.XAVIER);
        weightRegularization(head);
        graph.addLayer(ResNets.OUTPUT, head.build(), ResNets.FEATURES);
        graph.setOutputs(ResNets.OUTPUT);
        graph.setInputTypes(InputType.convolutional(input.height(), input.width(), input.channels()));
        // DL4J's own topological order, not a pinned one: ComputationGraphConfiguration.clone() drops a pinned
        // order, and dl4j-spark's workers clone the configuration, so a pinned order that differs from DL4J's
        // would give the driver and the workers different parameter layouts (ConfigurationCloneTest).
        return graph.build();
    }

    private Node stem(Node input) {
        Stem stem = architecture.stem();
        Node x = conv(input, LayerNames.stem("conv"), new BlockKind.ConvSpec(stem.kernel(), stem.stride(), stem.width()));
        if (architecture.variant() != Variant.PREACTIVATION) {
            // v2 leaves the stem un-activated: the first block's pre-activation does it.
            x = relu(batchNorm(x, LayerNames.stem("bn")), LayerNames.stem("relu"));
        }
        if (stem.maxPool()) {
            // Padding 1 on every side, as torchvision's MaxPool2d(3, 2, 1); DL4J's max pool never lets the padding
            // win (it takes the maximum over the window's cells inside the input, as PyTorch's -inf padding does).
            graph.addLayer(LayerNames.stemPool(), new SubsamplingLayer.Builder(PoolingType.MAX)
                    .kernelSize(3, 3).stride(2, 2).convolutionMode(ConvolutionMode.Truncate).padding(1, 1).build(), x.name());
            x = new Node(LayerNames.stemPool(), x.channels());
        }
        return x;
    }

    private Node block(Node input, int stage, int index, int stride) {
        String prefix = LayerNames.block(stage, index);
        int width = architecture.stageWidths().get(stage);
        int outChannels = width * architecture.block().expansion();
        // torchvision's one projection rule.
        boolean projection = stride != 1 || input.channels() != outChannels;
        List<BlockKind.ConvSpec> convs = architecture.block().branch(width, stride);
        return switch (architecture.variant()) {
            case RESIDUAL -> {
                // Shortcut first, as Keras does; it also keeps DL4J's parameter order equal to its gradient order,
                // which GradientCheckUtil relies on to name (and exclude) parameters.
                Node shortcut = projection
                        ? batchNorm(conv(input, prefix + "_0_conv", new BlockKind.ConvSpec(1, stride, outChannels)), prefix + "_0_bn")
                        : input;
                Node residual = branch(input, prefix, convs, true);
                yield relu(add(prefix + "_add", residual, shortcut), prefix + "_out");
            }
            case PLAIN -> relu(branch(input, prefix, convs, true), prefix + "_out");
            case PREACTIVATION -> {
                Node preact = relu(batchNorm(input, prefix + "_preact_bn"), prefix + "_preact_relu");
                // A projection sees the normalised input; an identity shortcut keeps the raw sum (He et al. 2016).
                Node shortcut = projection
                        ? conv(preact, prefix + "_0_conv", new BlockKind.ConvSpec(1, stride, outChannels))
                        : input;
                Node residual = branch(preact, prefix, convs, false);
                yield add(prefix + "_add", residual, shortcut);
            }
        };
    }

    /**
     * The residual branch: conv_j, bn_j, relu_j for every conv but the last, which is followed by a BN only in
     * post-activation blocks (v1, plain). With {@link TrainingOptions#zeroInitResidual()} the last BN of a v1 block
     * starts at gamma 0, so the block starts as its shortcut; a plain block has no shortcut, and keeps gamma 1.
     */
    private Node branch(Node input, String prefix, List<BlockKind.ConvSpec> convs, boolean normaliseLast) {
        Node x = input;
        for (int j = 1; j <= convs.size(); j++) {
            boolean last = j == convs.size();
            x = conv(x, prefix + "_" + j + "_conv", convs.get(j - 1));
            if (!last || normaliseLast) {
                boolean zeroGamma = last && training.zeroInitResidual() && architecture.variant() == Variant.RESIDUAL;
                x = batchNorm(x, prefix + "_" + j + "_bn", zeroGamma ? 0.0 : 1.0);
            }
            if (!last) {
                x = relu(x, prefix + "_" + j + "_relu");
            }
        }
        return x;
    }

    /**
     * The weight decay of a layer with weights: on its weights only. Biases keep DL4J's separate, empty bias
     * regularisation, and batch-norm layers get none (DL4J's BatchNormalization regularises none of its parameters
     * whatever it is configured with).
     */
    private void weightRegularization(BaseLayer.Builder<?> layer) {
        if (training.weightDecay() > 0) {
            Regularization decay = switch (training.weightDecayMode()) {
                case DECOUPLED -> new WeightDecay(training.weightDecay(), true);
                case L2 -> new L2Regularization(training.weightDecay());
            };
            layer.regularization(new ArrayList<>(List.of(decay)));
        }
    }

    private Node conv(Node input, String name, BlockKind.ConvSpec spec) {
        ConvolutionLayer.Builder builder = new ConvolutionLayer.Builder(spec.kernel(), spec.kernel())
                .stride(spec.stride(), spec.stride())
                .convolutionMode(padded(spec.kernel()))
                .padding(spec.kernel() / 2, spec.kernel() / 2)
                .nIn(input.channels())
                .nOut(spec.channels())
                .hasBias(false) // BN follows (or, in v2, precedes the next conv): a bias would be redundant
                .activation(Activation.IDENTITY);
        weightRegularization(builder);
        ConvolutionLayer conv = builder.build();
        graph.addLayer(name, settings.projectLayers() ? ForwardOnceConvolution.of(conv) : conv, input.name());
        return new Node(name, spec.channels());
    }

    /**
     * torchvision's padding, one rule for every net: kernel / 2 on every side (3 for the 7x7 stem, 1 for 3x3 at any
     * stride, 0 for 1x1), which DL4J's Same mode would not give: it pads stride-2 convolutions on the bottom and right
     * only. Output sizes stay ceil(size / stride), as with Same: floor((n + 2 * (k / 2) - k) / s) + 1 = ceil(n / s)
     * for odd k (TorchvisionGeometryTest). A 1x1 convolution keeps Same mode, which pads it by nothing at any stride, so it
     * is the same convolution; in Truncate mode a 1x1/2 convolution of an even size leaves the last row unused, which
     * DL4J expresses as negative padding that oneDNN refuses, so the project's oneDNN helper would hand it to DL4J's
     * slower code.
     */
    private static ConvolutionMode padded(int kernel) {
        return kernel == 1 ? ConvolutionMode.Same : ConvolutionMode.Truncate;
    }

    private Node batchNorm(Node input, String name) {
        return batchNorm(input, name, 1.0);
    }

    private Node batchNorm(Node input, String name, double initialGamma) {
        BatchNormalization bn = new BatchNormalization.Builder()
                .nIn(input.channels()).nOut(input.channels())
                .gamma(initialGamma)
                .useLogStd(!settings.projectLayers())
                .build();
        graph.addLayer(name, settings.projectLayers() ? RowwiseBatchNormalization.of(bn) : bn, input.name());
        return new Node(name, input.channels());
    }

    private Node relu(Node input, String name) {
        ActivationLayer relu = new ActivationLayer.Builder().activation(Activation.RELU).build();
        graph.addLayer(name, settings.projectLayers() ? ReluActivation.of(relu) : relu, input.name());
        return new Node(name, input.channels());
    }

    private Node add(String name, Node a, Node b) {
        graph.addVertex(name, settings.projectLayers() ? new ResidualAdd() : new ElementWiseVertex(ElementWiseVertex.Op.Add),
                a.name(), b.name());
        return new Node(name, a.channels());
    }
}
