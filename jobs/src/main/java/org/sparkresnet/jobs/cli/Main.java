package org.sparkresnet.jobs.cli;

import org.sparkresnet.data.PrepareCommand;
import org.sparkresnet.data.benchmark.BenchmarkPrepareCommand;
import org.sparkresnet.data.benchmark.InputBenchmarkCommand;
import org.sparkresnet.jobs.bench.DataPathBenchmarkCommand;
import org.sparkresnet.jobs.bench.TrainingBenchmarkCommand;
import org.sparkresnet.jobs.infer.FeaturesCommand;
import org.sparkresnet.jobs.infer.PredictCommand;
import org.sparkresnet.jobs.nightly.NightlyCommand;
import org.sparkresnet.jobs.preflight.PreflightCommand;
import org.sparkresnet.jobs.scaling.ScalingBenchmarkCommand;
import org.sparkresnet.model.bench.ModelBenchmark;
import org.sparkresnet.model.imports.ImportTorchvisionCommand;
import org.sparkresnet.model.SummaryCommand;
import org.sparkresnet.runtime.JvmFlags;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one entry point: {@code resnet <job> [options]}, also the main class for spark-submit. */
@Command(name = "resnet", mixinStandardHelpOptions = true, version = "spark-resnet 0.1.0",
        description = "Distributed ResNet training on Apache Spark.",
        subcommands = {PrepareCommand.class, TrainCommand.class, FineTuneCommand.class, EvaluateCommand.class, PredictCommand.class, FeaturesCommand.class, SummaryCommand.class,
                ModelBenchmark.class, BenchmarkPrepareCommand.class, InputBenchmarkCommand.class, TrainingBenchmarkCommand.class,
                DataPathBenchmarkCommand.class, ScalingBenchmarkCommand.class, org.sparkresnet.jobs.bench.SoakCommand.class, PreflightCommand.class, NightlyCommand.class, ImportTorchvisionCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        return new CommandLine(new Main()).setExecutionExceptionHandler(new JobFailure())
                .setParameterExceptionHandler(Main::badArguments);
    }

    /** A bad flag or value: one line naming it and where the flags are described (not the whole usage text); exit 2. */
    private static int badArguments(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        String command = cmd.getCommandSpec().qualifiedName();
        cmd.getErr().println(command + ": error: " + e.getMessage() + " (see '" + command + " --help')");
        return JobFailure.USER_ERROR;
    }

    public static void main(String[] args) {
        // Before any ND4J class loads: select the fast native build and layer helpers when the launcher did not.
        JvmFlags.applySystemPropertiesIfAbsent();
        int code = commandLine().execute(args);
        // In YARN cluster mode this runs inside Spark's ApplicationMaster, which reports any System.exit, even 0, as FAILED
        // ("Shutdown hook called before final status was reported"): a job that succeeded returns, and the AM exits for it.
        boolean yarnCluster = "yarn".equals(System.getProperty("spark.master")) && "cluster".equals(System.getProperty("spark.submit.deployMode"));
        if (code != 0 || !yarnCluster) {
            System.exit(code);
        }
    }
}
