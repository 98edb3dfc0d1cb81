package org.sparkresnet.model;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints a model's per-stage output shapes and parameter counts; builds the configuration only, no weights. */
@Command(name = "summary", mixinStandardHelpOptions = true,
        description = "Print each stage's output shape and parameter count, and the totals, of a ResNet.")
public final class SummaryCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--model", defaultValue = "resnet20",
            description = "Model name, e.g. resnet50, preresnet18, resnet20, plain34 (default: ${DEFAULT-VALUE}).")
    private String model;

    @Option(names = "--input", defaultValue = "1x28x28", converter = InputShapeConverter.class,
            description = "Input shape CxHxW (default: ${DEFAULT-VALUE}).")
    private InputShape input;

    @Option(names = "--classes", defaultValue = "10", description = "Number of classes (default: ${DEFAULT-VALUE}).")
    private int classes;

    @Override
    public Integer call() {
        ModelSummary summary;
        try {
            summary = ModelSummary.of(ModelRequest.of(model, input, classes));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        spec.commandLine().getOut().printf("%s, %d classes%n", model, classes);
        spec.commandLine().getOut().print(summary.render());
        spec.commandLine().getOut().flush();
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SummaryCommand()).execute(args));
    }
}
