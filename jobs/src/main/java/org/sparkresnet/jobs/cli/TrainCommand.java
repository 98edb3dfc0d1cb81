package org.sparkresnet.jobs.cli;

import org.apache.spark.api.java.JavaSparkContext;
import org.sparkresnet.data.spark.ExecutorThreads;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.jobs.train.LearningRateSchedule;
import org.sparkresnet.jobs.train.OptimizerSettings;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.TrainResult;
import org.sparkresnet.jobs.train.Trainer;
import org.sparkresnet.jobs.train.TrainingAugmentation;
import org.sparkresnet.jobs.train.TrainingMode;
import org.sparkresnet.model.TrainingOptions.WeightDecayMode;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains a ResNet on a prepared dataset with Spark (parameter averaging or gradient sharing),",
                "evaluates it on the test split after every epoch, checkpoints it, and saves model.zip, run.json and metrics.json.",
                "",
                "Linear scaling rule: the global batch is --batch x workers; when it grows k times, multiply --lr by k",
                "and use a few --warmup-epochs (Goyal et al. 2017); --lr-scaling linear does it for you.",
                "",
                "--recipe imagenet sets the recipe of Goyal et al. 2017 (\"Accurate, Large Minibatch SGD\"): --epochs 90,",
                "--updater sgd --nesterov false --momentum 0.9 (plain momentum), --lr 0.1 --lr-scaling linear",
                "--lr-reference-batch 256 (0.1 x global batch / 256), --warmup-epochs 5, --lr-decay step --lr-milestones 30,60,80",
                "--lr-step-factor 0.1, --weight-decay 1e-4 --weight-decay-mode l2 (never on biases or batch-norm parameters),",
                "--label-smoothing 0.1, --zero-init-residual. Any of these flags given as well overrides the recipe's value",
                "(e.g. --lr-decay cosine). Add --augment crop-flip for ImageNet-style augmentation.",
                ""})
public class TrainCommand implements Callable<Integer> {
    /** The recipes --recipe knows. */
    public static final List<String> RECIPES = List.of("none", "imagenet");

    @Spec
    CommandSpec spec;

    @Option(names = "--recipe", defaultValue = "none", paramLabel = "none|imagenet",
            description = "a whole training recipe; imagenet: Goyal et al. 2017 (see above); flags given as well override it;"
                    + " default: ${DEFAULT-VALUE}")
    String recipe = "none";
    @Option(names = "--data", required = true, paramLabel = "URI", description = "prepared dataset (output of 'prepare', with train/ and test/)")
    String data;
    @Option(names = "--output", required = true, paramLabel = "URI", description = "where to write model.zip, run.json, metrics.json and checkpoints/")
    String output;
    @Option(names = "--model", defaultValue = "resnet20", description = "model name (see 'summary --help'); default: ${DEFAULT-VALUE}")
    String model;
    @Option(names = "--epochs", defaultValue = "1", description = "passes over the training split; default: ${DEFAULT-VALUE}")
    int epochs;
    @Option(names = "--batch", defaultValue = "64", description = "minibatch size per worker; default: ${DEFAULT-VALUE}")
    int batch;
    @Option(names = "--mode", defaultValue = "averaging", paramLabel = "averaging|sharing",
            description = "averaging: parameter averaging every --averaging-frequency minibatches; sharing: asynchronous "
                    + "threshold-encoded gradient sharing over Aeron (UDP); default: ${DEFAULT-VALUE}")
    String mode;
    @Option(names = "--augment", defaultValue = "none", paramLabel = "none|flip|crop-flip",
            description = "random variation of the training images, new in every epoch: flip (left-right, half of the time;"
                    + " not for digits) or crop-flip (random crop of 8-100%% of the area, resized back, then flip: the ImageNet"
                    + " recipe); default: ${DEFAULT-VALUE}")
    String augment;
    @Option(names = "--seed", defaultValue = "42", description = "random seed (weights, shuffling); default: ${DEFAULT-VALUE}")
    long seed;

    @ArgGroup(validate = false, heading = "%nOptimizer:%n")
    Optimizer optimizer = new Optimizer();
    @ArgGroup(validate = false, heading = "%nParameter averaging (--mode averaging):%n")
    Averaging averaging = new Averaging();
    @ArgGroup(validate = false, heading = "%nGradient sharing (--mode sharing):%n")
    SharingOptions sharing = new SharingOptions();
    @ArgGroup(validate = false, heading = "%nWatching the run:%n")
    MonitoringOptions monitoring = new MonitoringOptions();
    @ArgGroup(validate = false, heading = "%nRun:%n")
    Run run = new Run();

    static final class Optimizer {
        @Option(names = "--updater", defaultValue = "adam", description = "adam, or sgd (momentum, see --nesterov); default: ${DEFAULT-VALUE}")
        String updater = "adam";
        @Option(names = "--nesterov", arity = "1", defaultValue = "true", paramLabel = "true|false",
                description = "sgd: Nesterov momentum (DL4J's Nesterovs), or false: plain heavy-ball momentum as in PyTorch's SGD;"
                        + " default: ${DEFAULT-VALUE}")
        boolean nesterov = true;
        @Option(names = "--lr", defaultValue = "0.001", description = "base learning rate (with --lr-scaling linear: the rate of"
                + " a global batch of --lr-reference-batch); default: ${DEFAULT-VALUE}")
        double learningRate = 0.001;
        @Option(names = "--lr-scaling", defaultValue = "none", paramLabel = "none|linear",
                description = "linear: the rate is --lr x global batch / --lr-reference-batch, the global batch being --batch x"
                        + " the training workers Spark has when the run starts (printed, and in run.json); default: ${DEFAULT-VALUE}")
        String lrScaling = "none";
        @Option(names = "--lr-reference-batch", defaultValue = "256", description = "the global batch --lr is meant for with"
                + " --lr-scaling linear; default: ${DEFAULT-VALUE}")
        int referenceBatch = 256;
        @Option(names = "--lr-workers", paramLabel = "N", description = "the training workers --lr-scaling linear counts;"
                + " default: as Spark reports them when the run starts")
        Integer lrWorkers;
        @Option(names = "--momentum", defaultValue = "0.9", description = "momentum for sgd; default: ${DEFAULT-VALUE}")
        double momentum = 0.9;
        @Option(names = "--weight-decay", defaultValue = "0", description = "weight decay of convolution and dense weights"
                + " (never biases or batch-norm parameters); default: ${DEFAULT-VALUE}")
        double weightDecay;
        @Option(names = "--weight-decay-mode", defaultValue = "decoupled", paramLabel = "decoupled|l2",
                description = "decoupled: w -= lr x wd x w after the updater; l2: wd x w is added to the gradient, so it goes"
                        + " through momentum (Goyal et al., PyTorch); default: ${DEFAULT-VALUE}")
        String weightDecayMode = "decoupled";
        @Option(names = "--label-smoothing", defaultValue = "0", description = "label smoothing e of the cross-entropy: targets"
                + " (1-e) one-hot + e/classes; default: ${DEFAULT-VALUE}")
        double labelSmoothing;
        @Option(names = "--zero-init-residual", arity = "0..1", defaultValue = "false", fallbackValue = "true",
                description = "start the last batch norm of every residual block with gamma 0 (v1 nets; v2 and plain nets have"
                        + " no such batch norm); default: ${DEFAULT-VALUE}")
        boolean zeroInitResidual;
        @Option(names = "--warmup-epochs", defaultValue = "0", description = "epochs of linear warm-up to --lr; default: ${DEFAULT-VALUE}")
        int warmupEpochs;
        @Option(names = "--lr-decay", defaultValue = "constant", paramLabel = "constant|cosine|step",
                description = "after the warm-up: constant, cosine (towards 0 after the last epoch) or step; default: ${DEFAULT-VALUE}")
        String decay = "constant";
        @Option(names = "--lr-step-epochs", defaultValue = "30", description = "step decay: epochs between steps; default: ${DEFAULT-VALUE}")
        int stepEpochs = 30;
        @Option(names = "--lr-milestones", defaultValue = "", paramLabel = "E1,E2,..",
                description = "step decay: the epochs after which the rate steps down, counted from the start (30,60,80: epoch 31"
                        + " runs at --lr-step-factor x the rate), instead of every --lr-step-epochs; default: none")
        String milestones = "";
        @Option(names = "--lr-step-factor", defaultValue = "0.1", description = "step decay: factor per step; default: ${DEFAULT-VALUE}")
        double stepFactor = 0.1;
    }

    /** The values --recipe imagenet gives the flags the user did not give. */
    static final class ImageNetRecipe {
        static final int EPOCHS = 90;
        static final String UPDATER = "sgd";
        static final boolean NESTEROV = false;
        static final double MOMENTUM = 0.9;
        static final double LEARNING_RATE = 0.1;
        static final String LR_SCALING = "linear";
        static final int REFERENCE_BATCH = 256;
        static final int WARMUP_EPOCHS = 5;
        static final String DECAY = "step";
        static final String MILESTONES = "30,60,80";
        static final double STEP_FACTOR = 0.1;
        static final double WEIGHT_DECAY = 1e-4;
        static final String WEIGHT_DECAY_MODE = "l2";
        static final double LABEL_SMOOTHING = 0.1;
        static final boolean ZERO_INIT_RESIDUAL = true;

        private ImageNetRecipe() {
        }
    }

    static final class Averaging {
        @Option(names = "--averaging-frequency", defaultValue = "5", description = "minibatches per worker between parameter averaging; default: ${DEFAULT-VALUE}")
        int frequency = 5;
    }

    static final class Run {
        @Option(names = "--checkpoint-every", defaultValue = "1", description = "epochs between checkpoints in <output>/checkpoints/; default: ${DEFAULT-VALUE}")
        int checkpointEvery = 1;
        @Option(names = "--resume", description = "continue from the newest complete checkpoint in --output (same --model, --epochs, --data)")
        boolean resume;
        @Option(names = "--overwrite", description = "replace a model or checkpoints already in --output")
        boolean overwrite;
        @Option(names = "--master", paramLabel = "URL", description = "Spark master when not launched by spark-submit; default: local[*]")
        String master;
        @Option(names = "--progress-seconds", defaultValue = "10", description = "seconds between progress lines; default: ${DEFAULT-VALUE}")
        int progressSeconds = 10;
    }

    /**
     * The validated request, the recipe's values filling the flags the user did not give. With --lr-scaling linear the
     * optimizer still needs the global batch ({@link #withGlobalBatch}), which needs Spark.
     */
    TrainRequest request() {
        require(recipe != null && RECIPES.contains(recipe.toLowerCase(Locale.ROOT)),
                "--recipe must be one of " + RECIPES + ", got '" + recipe + "'");
        return new TrainRequest(data, output, model, pick("--epochs", epochs, ImageNetRecipe.EPOCHS), batch, optimizerSettings(),
                TrainingMode.parse(mode), averaging.frequency, sharing.settings(), run.checkpointEvery, run.resume, seed, run.overwrite,
                TrainingAugmentation.parse(augment));
    }

    private boolean imagenet() {
        return recipe.equalsIgnoreCase("imagenet");
    }

    /** Whether the user gave {@code option} on the command line (rather than picocli filling in its default). */
    boolean given(String option) {
        ParseResult parsed = spec == null ? null : spec.commandLine().getParseResult();
        return parsed != null && parsed.hasMatchedOption(option);
    }

    /** The flag's value when the user gave it or no recipe is chosen, otherwise the recipe's value. */
    private <T> T pick(String option, T flagValue, T recipeValue) {
        return imagenet() && !given(option) ? recipeValue : flagValue;
    }

    private OptimizerSettings optimizerSettings() {
        Optimizer o = optimizer;
        LearningRateSchedule.Decay decay = LearningRateSchedule.Decay.parse(pick("--lr-decay", o.decay, ImageNetRecipe.DECAY));
        // the recipe's milestones give way to a period the user asked for (--lr-step-epochs) or to another decay
        boolean recipeMilestones = imagenet() && !given("--lr-milestones") && !given("--lr-step-epochs");
        List<Integer> milestones = LearningRateSchedule.parseMilestones(recipeMilestones ? ImageNetRecipe.MILESTONES : o.milestones);
        if (decay != LearningRateSchedule.Decay.STEP) {
            require(!given("--lr-milestones") || milestones.isEmpty(),
                    "--lr-milestones needs --lr-decay step, got --lr-decay " + decay.name().toLowerCase(Locale.ROOT));
            milestones = List.of();
        }
        LearningRateSchedule schedule = new LearningRateSchedule(decay, pick("--warmup-epochs", o.warmupEpochs, ImageNetRecipe.WARMUP_EPOCHS),
                o.stepEpochs, pick("--lr-step-factor", o.stepFactor, ImageNetRecipe.STEP_FACTOR), milestones);
        OptimizerSettings.Scaling scaling = new OptimizerSettings.Scaling(pick("--lr-scaling", o.lrScaling, ImageNetRecipe.LR_SCALING),
                pick("--lr-reference-batch", o.referenceBatch, ImageNetRecipe.REFERENCE_BATCH), 0);
        require(o.lrWorkers == null || o.lrWorkers >= 1, "--lr-workers must be at least 1, got " + o.lrWorkers);
        return new OptimizerSettings(pick("--updater", o.updater, ImageNetRecipe.UPDATER),
                pick("--lr", o.learningRate, ImageNetRecipe.LEARNING_RATE),
                pick("--momentum", o.momentum, ImageNetRecipe.MOMENTUM),
                pick("--weight-decay", o.weightDecay, ImageNetRecipe.WEIGHT_DECAY), schedule,
                pick("--nesterov", o.nesterov, ImageNetRecipe.NESTEROV),
                WeightDecayMode.parse(pick("--weight-decay-mode", o.weightDecayMode, ImageNetRecipe.WEIGHT_DECAY_MODE)),
                pick("--label-smoothing", o.labelSmoothing, ImageNetRecipe.LABEL_SMOOTHING),
                pick("--zero-init-residual", o.zeroInitResidual, ImageNetRecipe.ZERO_INIT_RESIDUAL), scaling);
    }

    /**
     * The request with the linear scaling rule resolved for {@code workers} training workers (global batch = --batch x
     * workers, or x --lr-workers when given); unchanged without --lr-scaling linear.
     */
    TrainRequest withGlobalBatch(TrainRequest request, int workers) {
        if (!request.optimizer().scaling().linear()) {
            return request;
        }
        int counted = optimizer.lrWorkers != null ? optimizer.lrWorkers : workers;
        return request.withOptimizer(request.optimizer().forGlobalBatch(Math.multiplyExact(request.batchSize(), counted)));
    }

    /** One line of what the optimiser will do, for the log. */
    static String describe(TrainRequest request, String recipe) {
        OptimizerSettings o = request.optimizer();
        StringBuilder line = new StringBuilder("recipe " + recipe + ": ");
        line.append(o.updater().equals("sgd") ? "sgd with " + (o.nesterov() ? "Nesterov" : "plain") + " momentum " + o.momentum() : o.updater());
        OptimizerSettings.Scaling s = o.scaling();
        line.append(String.format(Locale.ROOT, ", learning rate %.6g", o.baseRate()));
        if (s.linear()) {
            line.append(String.format(Locale.ROOT, " (%s x global batch %d / %d; --batch %d x %d workers)", o.learningRate(),
                    s.globalBatch(), s.referenceBatch(), request.batchSize(), s.globalBatch() / request.batchSize()));
        }
        LearningRateSchedule schedule = o.schedule();
        line.append(", ").append(schedule.warmupEpochs()).append(" warm-up epochs, ").append(schedule.decay().name().toLowerCase(Locale.ROOT))
                .append(" decay");
        if (schedule.decay() == LearningRateSchedule.Decay.STEP) {
            line.append(" x").append(schedule.stepFactor()).append(schedule.milestones().isEmpty()
                    ? " every " + schedule.stepEpochs() + " epochs" : " after epochs " + schedule.milestones());
        }
        line.append(", ").append(request.epochs()).append(" epochs, weight decay ").append(o.weightDecay());
        if (o.weightDecay() > 0) {
            line.append(" (").append(o.weightDecayMode().flag()).append(", not on biases or batch norm)");
        }
        line.append(", label smoothing ").append(o.labelSmoothing()).append(", zero-init residual ").append(o.zeroInitResidual());
        return line.toString();
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The request completed with what needs Spark's Hadoop configuration (finetune reads its base model here); train's is complete. */
    TrainRequest prepare(JavaSparkContext sc, TrainRequest request, PrintStream out) {
        return request;
    }

    @Override
    public Integer call() {
        TrainRequest request = request();
        PrintStream out = System.out;
        ExecutorThreads threads = request.mode() == TrainingMode.SHARING ? ExecutorThreads.PER_EXECUTOR : ExecutorThreads.PER_TASK;
        try (JavaSparkContext sc = SparkContexts.create("resnet-train", run.master, threads)) {
            request = prepare(sc, request, out);
            request = withGlobalBatch(request, Trainer.trainingWorkers(sc, request));
            out.println(describe(request, recipe));
            TrainResult result = new Trainer(sc, out, Duration.ofSeconds(run.progressSeconds), monitoring.metricsEvery())
                    .stallTimeout(monitoring.stallTimeout()).run(request);
            out.printf("test accuracy %.4f%nmodel:   %s%nmetrics: %s%n", result.last().testAccuracy(), result.modelUri(), result.metricsUri());
        }
        return 0;
    }
}
