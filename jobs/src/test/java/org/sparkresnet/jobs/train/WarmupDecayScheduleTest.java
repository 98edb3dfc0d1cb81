package org.sparkresnet.jobs.train;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.schedule.ISchedule;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Step decay at milestones, and the schedule's JSON (it is written into model zips) with and without them. */
class WarmupDecayScheduleTest {
    @Test
    void milestonesCountFromTheStartOfTheRunWarmupIncluded() {
        WarmupDecaySchedule s = new LearningRateSchedule(LearningRateSchedule.Decay.STEP, 5, 30, 0.1, List.of(30, 60, 80)).forRun(1.0, 90);
        assertEquals(1.0 / 6, s.rateAtEpoch(0), 1e-15);
        assertEquals(5.0 / 6, s.rateAtEpoch(4), 1e-15);
        assertEquals(1.0, s.rateAtEpoch(5), 1e-15);
        assertEquals(1.0, s.rateAtEpoch(29), 1e-15);
        assertEquals(0.1, s.rateAtEpoch(30), 1e-15);
        assertEquals(0.01, s.rateAtEpoch(60), 1e-15);
        assertEquals(0.001, s.rateAtEpoch(89), 1e-15);
        // without milestones the period counts after the warm-up, as before
        WarmupDecaySchedule period = new LearningRateSchedule(LearningRateSchedule.Decay.STEP, 5, 30, 0.1).forRun(1.0, 90);
        assertEquals(1.0, period.rateAtEpoch(34), 1e-15);
        assertEquals(0.1, period.rateAtEpoch(35), 1e-15);
    }

    @Test
    void jsonKeepsMilestonesAndReadsZipsWrittenBeforeThem() throws Exception {
        var mapper = NeuralNetConfiguration.mapper();
        WarmupDecaySchedule s = new LearningRateSchedule(LearningRateSchedule.Decay.STEP, 5, 30, 0.1, List.of(30, 60, 80))
                .forRun(0.4, 90).resumedAfter(3);
        assertEquals(s, mapper.readValue(mapper.writeValueAsString(s), ISchedule.class));
        String old = "{\"@class\":\"org.sparkresnet.jobs.train.WarmupDecaySchedule\",\"baseRate\":0.4,\"warmupEpochs\":1,"
                + "\"decay\":\"STEP\",\"totalEpochs\":10,\"stepEpochs\":2,\"stepFactor\":0.5,\"epochOffset\":0}";
        WarmupDecaySchedule read = (WarmupDecaySchedule) mapper.readValue(old, ISchedule.class);
        assertEquals(new WarmupDecaySchedule(0.4, 1, LearningRateSchedule.Decay.STEP, 10, 2, 0.5, 0), read);
        assertEquals(List.of(), read.getMilestones());
        assertEquals(0.2, read.rateAtEpoch(3), 1e-15);
    }
}
