package org.sparkresnet.model;

import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** New classifier on a trained ResNet, with leading stages frozen, via DL4J TransferLearning. */
final class HeadReplacement {
    private HeadReplacement() {
    }

    static ComputationGraph replace(ComputationGraph trained, int newNumClasses, int freezeThroughStage,
                                    TrainingOptions training) {
        Objects.requireNonNull(trained, "trained");
        Objects.requireNonNull(training, "training");
        if (newNumClasses < 2) {
            throw new IllegalArgumentException("newNumClasses must be >= 2, got " + newNumClasses);
        }
        if (trained.getConfiguration().getVertices().get(ResNets.OUTPUT) == null
                || trained.getConfiguration().getVertices().get(ResNets.FEATURES) == null) {
            throw new IllegalArgumentException("graph has no '" + ResNets.FEATURES + "' and '" + ResNets.OUTPUT
                    + "' vertices: not built by ResNets");
        }
        List<String> order = GraphOrder.topological(trained.getConfiguration());
        int lastStage = order.stream().mapToInt(v -> LayerNames.stageNumber(LayerNames.stageOf(v))).max().orElse(0);
        if (freezeThroughStage < 0 || freezeThroughStage > lastStage) {
            throw new IllegalArgumentException("freezeThroughStage must be 0 (train everything), 1 (freeze the stem) or"
                    + " 2.." + lastStage + " (freeze the stem through conv" + lastStage + "), got " + freezeThroughStage);
        }

        FineTuneConfiguration.Builder fineTune = new FineTuneConfiguration.Builder()
                .updater(training.updater())
                .seed(training.seed());
        if (training.weightDecay() > 0) {
            fineTune.weightDecay(training.weightDecay());
        }
        int featureWidth = (int) ((FeedForwardLayer) trained.getLayer(ResNets.OUTPUT).conf().getLayer()).getNIn();
        TransferLearning.GraphBuilder builder = new TransferLearning.GraphBuilder(trained)
                .fineTuneConfiguration(fineTune.build());
        if (freezeThroughStage > 0) {
            // The stage's last vertex in topological order is its output: freezing it freezes all its ancestors.
            String boundary = order.stream()
                    .filter(v -> {
                        int stage = LayerNames.stageNumber(LayerNames.stageOf(v));
                        return stage >= 1 && stage <= freezeThroughStage;
                    })
                    .reduce((first, second) -> second)
                    .orElseThrow();
            builder.setFeatureExtractor(boundary);
        }
        return builder
                .removeVertexAndConnections(ResNets.OUTPUT)
                .addLayer(ResNets.OUTPUT, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(featureWidth).nOut(newNumClasses)
                        .activation(Activation.SOFTMAX)
                        .weightInit(WeightInit.XAVIER)
                        .build(), ResNets.FEATURES)
                .setOutputs(ResNets.OUTPUT)
                .build();
    }
}
