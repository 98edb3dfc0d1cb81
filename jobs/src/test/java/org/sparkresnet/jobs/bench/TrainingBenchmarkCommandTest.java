package org.sparkresnet.jobs.bench;

import org.junit.jupiter.api.Test;
import org.sparkresnet.jobs.train.LearningRateSchedule;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.TrainingAugmentation;
import org.sparkresnet.jobs.train.TrainingMode;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The benchmark's training recipe, as its flags make it: what both modes train with. */
class TrainingBenchmarkCommandTest {
    private static TrainRequest request(String... args) {
        TrainingBenchmarkCommand command = new TrainingBenchmarkCommand();
        new CommandLine(command).parseArgs(args);
        return command.request("file:/d", "file:/o", TrainingMode.SHARING);
    }

    @Test
    void defaultRecipeIsTenEpochsOfAdamWithWarmupThenCosineAndNoAugmentation() {
        TrainRequest r = request();
        assertEquals(10, r.epochs());
        assertEquals(64, r.batchSize());
        assertEquals(0.002, r.optimizer().learningRate(), 1e-12);
        assertEquals(LearningRateSchedule.Decay.COSINE, r.optimizer().schedule().decay());
        assertEquals(1, r.optimizer().schedule().warmupEpochs());
        assertEquals(TrainingAugmentation.NONE, r.augment());
        assertEquals(TrainingMode.SHARING, r.mode());
        assertEquals(0.5, r.sharing().thresholdValue(), 1e-12);
    }

    @Test
    void augmentAndEpochsReachBothModesRequests() {
        TrainRequest r = request("--epochs", "30", "--augment", "flip");
        assertEquals(30, r.epochs());
        assertEquals(TrainingAugmentation.FLIP, r.augment());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> request("--augment", "rotate"));
        assertEquals("--augment must be one of [none, flip, crop-flip], got 'rotate'", bad.getMessage());
    }
}
