package org.sparkresnet.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Per stage (stem, conv2.., head) the output shape and parameter count of a ResNet graph, and the totals.
 * Works from the configuration alone, so even ResNet-152 is summarised without allocating its weights.
 */
public record ModelSummary(InputShape input, List<StageSummary> stages, ParameterCount parameters) {

    /**
     * @param outputShape the stage's output, CxHxW for images or the vector length
     * @param layers      vertices in the stage (layers and add vertices)
     */
    public record StageSummary(String stage, String outputShape, int layers, ParameterCount parameters) {
        public StageSummary {
            Objects.requireNonNull(stage, "stage");
            Objects.requireNonNull(outputShape, "outputShape");
            Objects.requireNonNull(parameters, "parameters");
        }
    }

    public ModelSummary {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(parameters, "parameters");
        stages = List.copyOf(stages);
    }

    public static ModelSummary of(ModelRequest request) {
        return of(ResNets.configuration(request), request.input());
    }

    public static ModelSummary of(ComputationGraph graph, InputShape input) {
        return of(graph.getConfiguration(), input);
    }

    public static ModelSummary of(ComputationGraphConfiguration configuration, InputShape input) {
        // getLayerActivationTypes may add preprocessors; work on a copy so the caller's configuration is untouched.
        ComputationGraphConfiguration copy = configuration.clone();
        Map<String, InputType> outputTypes = copy.getLayerActivationTypes(
                InputType.convolutional(input.height(), input.width(), input.channels()));

        Map<String, String> lastVertexOfStage = new LinkedHashMap<>();
        Map<String, Integer> vertexCount = new LinkedHashMap<>();
        Map<String, ParameterCount> stageParameters = new LinkedHashMap<>();
        for (String vertex : GraphOrder.topological(copy)) {
            String stage = LayerNames.stageOf(vertex);
            if (stage == null || !copy.getVertices().containsKey(vertex)) {
                continue;
            }
            lastVertexOfStage.put(stage, vertex);
            vertexCount.merge(stage, 1, Integer::sum);
            stageParameters.merge(stage, ParameterCount.ofVertex(copy.getVertices().get(vertex)), ParameterCount::plus);
        }

        List<StageSummary> stages = new ArrayList<>();
        ParameterCount total = ParameterCount.ZERO;
        for (var entry : lastVertexOfStage.entrySet()) {
            String stage = entry.getKey();
            ParameterCount count = stageParameters.get(stage);
            stages.add(new StageSummary(stage, describe(outputTypes.get(entry.getValue())), vertexCount.get(stage), count));
            total = total.plus(count);
        }
        return new ModelSummary(input, stages, total);
    }

    private static String describe(InputType type) {
        if (type instanceof InputType.InputTypeConvolutional conv) {
            return conv.getChannels() + "x" + conv.getHeight() + "x" + conv.getWidth();
        }
        if (type instanceof InputType.InputTypeFeedForward ff) {
            return Long.toString(ff.getSize());
        }
        return String.valueOf(type);
    }

    /** A fixed-width table: one row per stage, then the totals both ways. */
    public String render() {
        StringBuilder out = new StringBuilder();
        String row = "%-8s %-14s %7s %16s %16s%n";
        out.append(String.format("input %s%n", input));
        out.append(String.format(row, "stage", "output", "layers", "trainable", "DL4J params"));
        for (StageSummary stage : stages) {
            out.append(String.format(row, stage.stage(), stage.outputShape(), stage.layers(),
                    String.format("%,d", stage.parameters().trainable()),
                    String.format("%,d", stage.parameters().total())));
        }
        out.append(String.format(row, "total", "", "", String.format("%,d", parameters.trainable()),
                String.format("%,d", parameters.total())));
        out.append(String.format("trainable = torchvision-comparable count; DL4J params also hold %,d BatchNormalization "
                + "running mean/variance values%n", parameters.batchNormStatistics()));
        return out.toString();
    }
}
