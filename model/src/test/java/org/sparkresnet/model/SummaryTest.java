package org.sparkresnet.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SummaryTest {
    @Test
    void totalsEqualTheInitialisedGraph() {
        InputShape input = new InputShape(1, 28, 28);
        ComputationGraph graph = ResNets.build(ModelRequest.of("resnet20", input, 10));
        ModelSummary summary = ModelSummary.of(graph, input);

        assertEquals(graph.numParams(), summary.parameters().total());
        assertEquals(272_186, summary.parameters().trainable());
        assertEquals(summary.parameters().total(),
                summary.stages().stream().mapToLong(s -> s.parameters().total()).sum());
        assertEquals(List.of("stem", "conv2", "conv3", "conv4", "head"),
                summary.stages().stream().map(ModelSummary.StageSummary::stage).toList());
        assertEquals(List.of("16x28x28", "16x28x28", "32x14x14", "64x7x7", "10"),
                summary.stages().stream().map(ModelSummary.StageSummary::outputShape).toList());
    }

    @Test
    void resnet50StagesHaveTheImageNetShapes() {
        ModelSummary summary = ModelSummary.of(ModelRequest.of("resnet50", new InputShape(3, 224, 224), 1000));
        assertEquals(List.of("64x56x56", "256x56x56", "512x28x28", "1024x14x14", "2048x7x7", "1000"),
                summary.stages().stream().map(ModelSummary.StageSummary::outputShape).toList());
        assertEquals(25_557_032, summary.parameters().trainable());
    }

    @Test
    void imageNetNetsStayValidOnTinyInputs() {
        ModelSummary summary = ModelSummary.of(ModelRequest.of("resnet152", new InputShape(1, 5, 3), 2));
        assertEquals(List.of("64x2x1", "256x2x1", "512x1x1", "1024x1x1", "2048x1x1", "2"),
                summary.stages().stream().map(ModelSummary.StageSummary::outputShape).toList());
    }

    @Test
    void commandPrintsStagesAndBothTotals() {
        StringWriter out = new StringWriter();
        CommandLine command = new CommandLine(new SummaryCommand());
        command.setOut(new PrintWriter(out));
        int exit = command.execute("--model", "resnet18", "--input", "3x224x224", "--classes", "1000");

        assertEquals(0, exit);
        String text = out.toString();
        assertTrue(text.contains("conv5") && text.contains("512x7x7"), text);
        assertTrue(text.contains("11,689,512"), text);
        assertTrue(text.contains(String.format("%,d",
                ParameterCount.of(ResNets.configuration(ModelRequest.of("resnet18", new InputShape(3, 224, 224), 1000))).total())), text);
    }

    @Test
    void commandRejectsBadValuesWithTheirNames() {
        StringWriter err = new StringWriter();
        CommandLine command = new CommandLine(new SummaryCommand());
        command.setErr(new PrintWriter(err));
        assertEquals(2, command.execute("--model", "resnet19"));
        assertTrue(err.toString().contains("resnet19") && err.toString().contains("resnet20"), err.toString());

        StringWriter shapeErr = new StringWriter();
        CommandLine shapeCommand = new CommandLine(new SummaryCommand());
        shapeCommand.setErr(new PrintWriter(shapeErr));
        assertEquals(2, shapeCommand.execute("--input", "28x28"));
        assertTrue(shapeErr.toString().contains("28x28"), shapeErr.toString());
    }
}
