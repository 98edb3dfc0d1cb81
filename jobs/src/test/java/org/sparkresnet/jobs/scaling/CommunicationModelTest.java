package org.sparkresnet.jobs.scaling;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommunicationModelTest {
    static final long RESNET50 = 25_557_032;
    static final double GBIT25 = 25e9 / 8;

    @Test
    void messageSizesFollowDl4jsEncodings() {
        assertEquals(4 * (RESNET50 / 16 + 1 + 4), CommunicationModel.messageBytes(RESNET50, 0.5), "2-bit bitmap: 6.4 MB");
        assertEquals(CommunicationModel.messageBytes(RESNET50, 0.5), CommunicationModel.messageBytes(RESNET50, 0.1), "bitmap at any density above 1/16");
        assertEquals(4 * (25_558 + 4), CommunicationModel.messageBytes(RESNET50, 0.001), "sparse: 4 bytes per element sent");
    }

    @Test
    void averagingAggregatesThroughSparksTreeLevels() {
        long state = 2 * 4 * RESNET50;
        // 64 workers, depth 2: one level of 8-wide sums, then the driver receives 8 states
        CommunicationModel.Projection p = CommunicationModel.averaging(64, state, 1.0, 5, 2, GBIT25, 0);
        double expected = (state + state + 8.0 * state + 8.0 * state) / GBIT25;
        assertEquals(expected, p.communicationSeconds(), 1e-9);
        assertEquals(5.0, p.computeSeconds(), 1e-12);
        // 2 workers: the driver takes both states directly
        assertEquals((state + state + 2.0 * state) / GBIT25, CommunicationModel.averaging(2, state, 1.0, 5, 2, GBIT25, 0).communicationSeconds(), 1e-9);
        assertTrue(CommunicationModel.averaging(256, state, 1.0, 5, 2, GBIT25, 0).efficiency() < p.efficiency(), "more workers, lower efficiency");
    }

    @Test
    void aFixedFractionPerWorkerGrowsWithTheClusterAndABudgetDoesNot() {
        double step = 0.064;
        double fixed8 = CommunicationModel.sharing(8, CommunicationModel.messageBytes(RESNET50, 0.5), step, 0, 0, GBIT25).communicationSeconds();
        double fixed64 = CommunicationModel.sharing(64, CommunicationModel.messageBytes(RESNET50, 0.5), step, 0, 0, GBIT25).communicationSeconds();
        assertEquals(64.0 / 8, fixed64 / fixed8, 0.01, "bitmap traffic at the root grows with W");
        double budget64 = CommunicationModel.sharing(64, CommunicationModel.messageBytes(RESNET50, (1.0 / 64) / 64), step, 0, 0, GBIT25)
                .communicationSeconds();
        double budget256 = CommunicationModel.sharing(256, CommunicationModel.messageBytes(RESNET50, (1.0 / 64) / 256), step, 0, 0, GBIT25)
                .communicationSeconds();
        assertEquals(budget64, budget256, budget64 * 0.05, "a budget shared by all workers keeps the traffic per node flat");
        assertTrue(budget64 < fixed64 / 20, budget64 + " s against " + fixed64);
    }
}
