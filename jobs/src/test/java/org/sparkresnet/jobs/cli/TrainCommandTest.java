package org.sparkresnet.jobs.cli;

import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.FixedThresholdAlgorithm;
import org.junit.jupiter.api.Test;
import org.sparkresnet.jobs.train.LearningRateSchedule;
import org.sparkresnet.data.shard.Augmentation;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.TrainingAugmentation;
import org.sparkresnet.jobs.train.TrainingMode;
import org.sparkresnet.jobs.train.WarmupDecaySchedule;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** train's flags as they reach the validated request, and the refusals users meet. */
class TrainCommandTest {
    static TrainRequest parse(String... args) {
        TrainCommand command = new TrainCommand();
        new CommandLine(command).parseArgs(args);
        return command.request();
    }

    @Test
    void sharingFlagsReachTheRequest() {
        TrainRequest r = parse("--data", "d", "--output", "o", "--mode", "sharing", "--threshold-algorithm", "fixed", "--threshold", "1e-3",
                "--residual-clip", "3", "--residual-clip-every", "7", "--aeron-port", "45000", "--controller-address", "10.0.0.5",
                "--network-mask", "10.0.0.0/16", "--checkpoint-every", "2", "--resume");
        assertEquals(TrainingMode.SHARING, r.mode());
        assertEquals("fixed", r.sharing().threshold());
        assertEquals(1e-3, r.sharing().thresholdValue());
        assertEquals(3.0, r.sharing().residualClip());
        assertEquals(7, r.sharing().residualClipEvery());
        assertEquals(45000, r.sharing().aeronPort());
        assertEquals("10.0.0.5", r.sharing().controllerAddress());
        assertEquals("10.0.0.0/16", r.sharing().networkMask());
        assertEquals(2, r.checkpointEvery());
        assertTrue(r.resume());
        assertTrue(org.sparkresnet.jobs.train.TrainingMasters.gradientSharing(r, "local[2]").getThresholdAlgorithm() instanceof FixedThresholdAlgorithm);
    }

    @Test
    void sharingDefaultsToSendingHalfOfTheElements() {
        TrainRequest r = parse("--data", "d", "--output", "o", "--mode", "sharing");
        assertEquals("quantile", r.sharing().threshold());
        assertEquals(0.5, r.sharing().thresholdValue(), 1e-12);
        var algorithm = org.sparkresnet.jobs.train.TrainingMasters.gradientSharing(r, "local[2]").getThresholdAlgorithm();
        assertEquals(0.5, ((org.sparkresnet.jobs.train.QuantileThreshold) algorithm).fraction(), 1e-12);
        TrainRequest adaptive = parse("--data", "d", "--output", "o", "--mode", "sharing", "--threshold-algorithm", "adaptive");
        assertEquals(1e-4, adaptive.sharing().thresholdValue(), "adaptive starts at DL4J's default when --threshold is not given");
        IllegalArgumentException tooMuch = assertThrows(IllegalArgumentException.class,
                () -> parse("--data", "d", "--output", "o", "--mode", "sharing", "--threshold", "1.5"));
        assertEquals("--threshold must be in (0, 1), got 1.5", tooMuch.getMessage());
    }

    @Test
    void optimizerFlagsGiveTheScheduleUsersAskedFor() {
        TrainRequest r = parse("--data", "d", "--output", "o", "--updater", "sgd", "--lr", "0.4", "--warmup-epochs", "4",
                "--lr-decay", "step", "--lr-step-epochs", "2", "--lr-step-factor", "0.5", "--epochs", "10");
        assertEquals(new LearningRateSchedule(LearningRateSchedule.Decay.STEP, 4, 2, 0.5), r.optimizer().schedule());
        double[] expected = {0.08, 0.16, 0.24, 0.32, 0.4, 0.4, 0.2, 0.2, 0.1, 0.1};
        for (int epoch = 0; epoch < 10; epoch++) {
            assertEquals(expected[epoch], r.optimizer().rateAtEpoch(epoch, 10), 1e-12, "epoch " + epoch);
        }
        WarmupDecaySchedule resumed = r.optimizer().schedule().forRun(0.4, 10).resumedAfter(6);
        assertEquals(0.2, resumed.valueAt(0, 0), 1e-12, "a run resumed after 6 epochs starts at epoch 7's rate");
        assertTrue(r.optimizer().updater(10, 0) instanceof org.nd4j.linalg.learning.config.Nesterovs);
    }

    @Test
    void refusalsNameTheValueAndWhatIsAllowed() {
        IllegalArgumentException wpn = assertThrows(IllegalArgumentException.class,
                () -> parse("--data", "d", "--output", "o", "--mode", "sharing", "--workers-per-node", "2"));
        assertTrue(wpn.getMessage().startsWith("--workers-per-node 2 is not supported with gradient sharing") && wpn.getMessage().contains("Use 1"), wpn.getMessage());
        IllegalArgumentException mode = assertThrows(IllegalArgumentException.class, () -> parse("--data", "d", "--output", "o", "--mode", "ring"));
        assertEquals("--mode must be one of [averaging, sharing], got 'ring'", mode.getMessage());
        IllegalArgumentException decay = assertThrows(IllegalArgumentException.class, () -> parse("--data", "d", "--output", "o", "--lr-decay", "linear"));
        assertEquals("--lr-decay must be one of [constant, cosine, step], got 'linear'", decay.getMessage());
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> parse("--data", "d", "--output", "o", "--resume", "--overwrite"));
        assertTrue(both.getMessage().contains("--resume and --overwrite"), both.getMessage());
    }

    @Test
    void augmentFlagChoosesWhatTheShardReaderApplies() {
        assertEquals(TrainingAugmentation.NONE, parse("--data", "d", "--output", "o").augment());
        assertEquals(null, TrainingAugmentation.NONE.augmentation());
        assertEquals(Augmentation.FLIP_ONLY, parse("--data", "d", "--output", "o", "--augment", "flip").augment().augmentation());
        assertEquals(Augmentation.RANDOM_RESIZED_CROP_AND_FLIP,
                parse("--data", "d", "--output", "o", "--augment", "crop-flip").augment().augmentation());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> parse("--data", "d", "--output", "o", "--augment", "mixup"));
        assertEquals("--augment must be one of [none, flip, crop-flip], got 'mixup'", bad.getMessage());
    }

    @Test
    void helpMentionsTheLinearScalingRule() {
        java.io.StringWriter out = new java.io.StringWriter();
        new CommandLine(new TrainCommand()).usage(new java.io.PrintWriter(out));
        assertTrue(out.toString().contains("Linear scaling rule"), out.toString());
        assertTrue(out.toString().contains("--mode") && out.toString().contains("--aeron-port") && out.toString().contains("--checkpoint-every"));
        assertTrue(out.toString().contains("8-100% of the area"), out.toString());
    }
}
