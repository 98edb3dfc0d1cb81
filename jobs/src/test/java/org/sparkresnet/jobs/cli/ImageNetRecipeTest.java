package org.sparkresnet.jobs.cli;

import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.sparkresnet.jobs.train.LearningRateSchedule;
import org.sparkresnet.jobs.train.OptimizerSettings;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.WarmupDecaySchedule;
import org.sparkresnet.model.InputShape;
import org.sparkresnet.model.LabelSmoothingCrossEntropy;
import org.sparkresnet.model.ModelRequest;
import org.sparkresnet.model.MomentumSgd;
import org.sparkresnet.model.ResNets;
import org.sparkresnet.model.TrainingOptions;
import picocli.CommandLine;

import java.io.File;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** train --recipe imagenet: the settings of Goyal et al. 2017 as they reach the request, the net and a saved model. */
class ImageNetRecipeTest {
    @TempDir
    Path dir;

    /** The parsed command (for {@link TrainCommand#withGlobalBatch}) and its request. */
    private static TrainCommand command(String... args) {
        TrainCommand command = new TrainCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }

    private static TrainRequest recipe(int workers, String... extra) {
        String[] args = new String[4 + extra.length];
        System.arraycopy(new String[] {"--data", "d", "--output", "o"}, 0, args, 0, 4);
        System.arraycopy(extra, 0, args, 4, extra.length);
        TrainCommand command = command(args);
        return command.withGlobalBatch(command.request(), workers);
    }

    @Test
    void recipeSetsEveryValueOfThePaper() {
        TrainRequest r = recipe(8, "--recipe", "imagenet", "--batch", "128");
        OptimizerSettings o = r.optimizer();
        assertEquals(90, r.epochs());
        assertEquals("sgd", o.updater());
        assertFalse(o.nesterov(), "plain momentum");
        assertEquals(0.9, o.momentum());
        assertEquals(0.1, o.learningRate());
        assertEquals(new OptimizerSettings.Scaling("linear", 256, 1024), o.scaling(), "global batch 128 x 8 workers");
        assertEquals(0.4, o.baseRate(), 1e-15, "0.1 x 1024 / 256");
        assertEquals(new LearningRateSchedule(LearningRateSchedule.Decay.STEP, 5, 30, 0.1, List.of(30, 60, 80)), o.schedule());
        assertEquals(1e-4, o.weightDecay());
        assertEquals(TrainingOptions.WeightDecayMode.L2, o.weightDecayMode());
        assertEquals(0.1, o.labelSmoothing());
        assertTrue(o.zeroInitResidual());
        MomentumSgd updater = (MomentumSgd) o.updater(90, 0);
        assertEquals(0.9, updater.getMomentum());
        assertEquals(0.4, updater.getLearningRate(0, 10), 1e-15);
    }

    /** Global batch 1024: 5 warm-up epochs to 0.4, then 0.4, 0.04, 0.004, 0.0004 after epochs 30, 60 and 80. */
    @Test
    void ratePerEpochForAGlobalBatchOf1024() {
        OptimizerSettings o = recipe(8, "--recipe", "imagenet", "--batch", "128").optimizer();
        for (int epoch = 0; epoch < 90; epoch++) {
            double expected = epoch < 5 ? 0.4 * (epoch + 1) / 6 : epoch < 30 ? 0.4 : epoch < 60 ? 0.04 : epoch < 80 ? 0.004 : 0.0004;
            assertEquals(expected, o.rateAtEpoch(epoch, 90), 1e-15, "0-based epoch " + epoch);
        }
        WarmupDecaySchedule resumed = o.schedule().forRun(o.baseRate(), 90).resumedAfter(60);
        assertEquals(0.004, resumed.valueAt(0, 0), 1e-15, "a run resumed after 60 epochs continues at the third step");
        // one worker at batch 256 is the paper's reference: 0.1
        assertEquals(0.1, recipe(1, "--recipe", "imagenet", "--batch", "256").optimizer().rateAtEpoch(5, 90), 1e-15);
        assertEquals(0.1 * 64 * 3 / 256, recipe(3, "--recipe", "imagenet").optimizer().baseRate(), 1e-15, "--batch 64 x 3 workers");
    }

    @Test
    void flagsGivenWithTheRecipeOverrideIt() {
        TrainRequest cosine = recipe(2, "--recipe", "imagenet", "--lr-decay", "cosine", "--epochs", "10", "--lr", "0.2");
        assertEquals(LearningRateSchedule.Decay.COSINE, cosine.optimizer().schedule().decay());
        assertEquals(List.of(), cosine.optimizer().schedule().milestones(), "milestones are the step decay's");
        assertEquals(10, cosine.epochs());
        assertEquals(0.2 * 128 / 256, cosine.optimizer().baseRate(), 1e-15);
        assertEquals(0.1, cosine.optimizer().labelSmoothing(), "the rest of the recipe stays");

        TrainRequest nesterov = recipe(1, "--recipe", "imagenet", "--nesterov", "true", "--weight-decay", "5e-5",
                "--weight-decay-mode", "decoupled", "--label-smoothing", "0", "--zero-init-residual=false", "--momentum", "0.8");
        assertTrue(nesterov.optimizer().updater(90, 0) instanceof Nesterovs);
        assertEquals(5e-5, nesterov.optimizer().weightDecay());
        assertEquals(TrainingOptions.WeightDecayMode.DECOUPLED, nesterov.optimizer().weightDecayMode());
        assertEquals(0.0, nesterov.optimizer().labelSmoothing());
        assertFalse(nesterov.optimizer().zeroInitResidual());
        assertEquals(0.8, nesterov.optimizer().momentum());

        TrainRequest unscaled = recipe(16, "--recipe", "imagenet", "--lr-scaling", "none", "--lr", "0.05", "--warmup-epochs", "0");
        assertEquals(0.05, unscaled.optimizer().rateAtEpoch(0, 90), 1e-15, "no scaling, no warm-up");
        TrainRequest period = recipe(1, "--recipe", "imagenet", "--lr-step-epochs", "20");
        assertEquals(List.of(), period.optimizer().schedule().milestones(), "a period the user gave replaces the milestones");
        TrainRequest adam = recipe(1, "--recipe", "imagenet", "--updater", "adam");
        assertTrue(adam.optimizer().updater(90, 0) instanceof Adam);
        TrainRequest counted = recipe(3, "--recipe", "imagenet", "--lr-workers", "32", "--batch", "32");
        assertEquals(1024, counted.optimizer().scaling().globalBatch(), "--lr-workers replaces the count Spark gives");
    }

    @Test
    void withoutTheRecipeNothingChanges() {
        TrainRequest r = recipe(8);
        OptimizerSettings o = r.optimizer();
        assertEquals(1, r.epochs());
        assertEquals(new OptimizerSettings("adam", 1e-3, 0.9, 0, new LearningRateSchedule(LearningRateSchedule.Decay.CONSTANT, 0, 30, 0.1)), o);
        assertEquals(OptimizerSettings.Scaling.NONE, o.scaling());
        assertEquals(new TrainingOptions(o.updater(1, 0), 0, 42), o.trainingOptions(1, 0, 42));
        assertTrue(recipe(1, "--updater", "sgd").optimizer().updater(1, 0) instanceof Nesterovs, "sgd stays Nesterov by default");
    }

    @Test
    void milestonesWithoutTheRecipeAndTheRefusals() {
        TrainRequest r = recipe(1, "--updater", "sgd", "--lr", "1", "--lr-decay", "step", "--lr-milestones", "2, 5", "--epochs", "7");
        double[] expected = {1, 1, 0.1, 0.1, 0.1, 0.01, 0.01};
        for (int epoch = 0; epoch < 7; epoch++) {
            assertEquals(expected[epoch], r.optimizer().rateAtEpoch(epoch, 7), 1e-15, "epoch " + epoch);
        }
        assertEquals("--lr-milestones needs --lr-decay step, got --lr-decay cosine", assertThrows(IllegalArgumentException.class,
                () -> recipe(1, "--lr-decay", "cosine", "--lr-milestones", "3")).getMessage());
        assertEquals("--lr-milestones must be increasing epochs >= 1, got [5, 3]", assertThrows(IllegalArgumentException.class,
                () -> recipe(1, "--lr-decay", "step", "--lr-milestones", "5,3")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> recipe(1, "--lr-decay", "step", "--lr-milestones", "30;60"))
                .getMessage().startsWith("--lr-milestones must be comma-separated epochs"));
        assertEquals("--recipe must be one of [none, imagenet], got 'cifar'", assertThrows(IllegalArgumentException.class,
                () -> recipe(1, "--recipe", "cifar")).getMessage());
        assertEquals("--weight-decay-mode must be one of [decoupled, l2], got 'l1'", assertThrows(IllegalArgumentException.class,
                () -> recipe(1, "--weight-decay-mode", "l1")).getMessage());
        assertEquals("--lr-scaling must be one of [none, linear], got 'sqrt'", assertThrows(IllegalArgumentException.class,
                () -> recipe(1, "--lr-scaling", "sqrt")).getMessage());
        TrainCommand linear = command("--data", "d", "--output", "o", "--lr-scaling", "linear");
        IllegalStateException unresolved = assertThrows(IllegalStateException.class, () -> linear.request().optimizer().updater(1, 0));
        assertTrue(unresolved.getMessage().contains("needs the global batch"), unresolved.getMessage());
    }

    @Test
    void theLogLineSaysWhatTheRecipeResolvedTo() {
        String line = TrainCommand.describe(recipe(8, "--recipe", "imagenet", "--batch", "128"), "imagenet");
        assertTrue(line.contains("sgd with plain momentum 0.9") && line.contains("learning rate 0.400000 (0.1 x global batch 1024 / 256;"
                + " --batch 128 x 8 workers)") && line.contains("after epochs [30, 60, 80]") && line.contains("weight decay 1.0E-4 (l2,")
                && line.contains("label smoothing 0.1") && line.contains("zero-init residual true"), line);
    }

    @Test
    void helpDocumentsTheRecipe() {
        java.io.StringWriter out = new java.io.StringWriter();
        new CommandLine(new TrainCommand()).usage(new java.io.PrintWriter(out));
        String help = out.toString();
        for (String flag : List.of("--recipe", "--nesterov", "--lr-scaling", "--lr-reference-batch", "--lr-workers", "--lr-milestones",
                "--weight-decay-mode", "--label-smoothing", "--zero-init-residual")) {
            assertTrue(help.contains(flag), flag + " in:\n" + help);
        }
        assertTrue(help.contains("--recipe imagenet sets the recipe of Goyal et al. 2017"), help);
    }

    /**
     * The net the train job builds from the recipe (StartingPoint.freshNetwork's options): heavy-ball momentum on the
     * warm-up/step schedule, smoothed loss, zeroed last batch norms; saved and restored with ModelSerializer, it keeps
     * all of that and trains on identically.
     */
    @Test
    void recipeNetSavesAndLoadsWithItsSchedule() throws Exception {
        TrainRequest r = recipe(2, "--recipe", "imagenet", "--batch", "4");
        ComputationGraph net = ResNets.build(new ModelRequest("resnet20", new InputShape(1, 28, 28), 10, r.optimizer().trainingOptions(90, 0, 42)));
        assertTrue(net.getConfiguration().toJson().contains("MomentumSgd"));
        INDArray lastGamma = net.getLayer("conv2_block1_2_bn").getParam(BatchNormalizationParamInitializer.GAMMA);
        assertEquals(0.0, lastGamma.amaxNumber().doubleValue(), 0.0);
        assertEquals(1.0, net.getLayer("conv2_block1_1_bn").getParam(BatchNormalizationParamInitializer.GAMMA).minNumber().doubleValue(), 0.0);

        Nd4j.getRandom().setSeed(5);
        DataSet batch = new DataSet(Nd4j.rand(DataType.FLOAT, 4, 1, 28, 28), Nd4j.eye(10).getRows(0, 2, 4, 6).castTo(DataType.FLOAT));
        net.fit(batch);
        File file = dir.resolve("recipe.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        assertEquals(net.getConfiguration().toJson(), restored.getConfiguration().toJson());
        OutputLayer head = (OutputLayer) ((LayerVertex) restored.getConfiguration().getVertices().get("output")).getLayerConf().getLayer();
        assertEquals(new LabelSmoothingCrossEntropy(0.1), head.getLossFn());
        MomentumSgd updater = (MomentumSgd) head.getIUpdater();
        assertEquals(r.optimizer().schedule().forRun(r.optimizer().baseRate(), 90), updater.getLearningRateSchedule());
        assertEquals(net.params(), restored.params());
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        net.fit(batch);
        restored.fit(batch);
        assertEquals(net.params(), restored.params());
    }
}
