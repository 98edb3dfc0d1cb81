package org.sparkresnet.jobs.train;

import org.junit.jupiter.api.Test;
import org.sparkresnet.jobs.cli.SharingOptions;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The large-cluster sharing setting: a budget of elements per step shared out over the workers. */
class BudgetThresholdTest {
    static SharingSettings parse(String... args) {
        SharingOptions options = new SharingOptions();
        new CommandLine(options).parseArgs(args);
        return options.settings();
    }

    @Test
    void eachWorkerSendsItsShareOfTheBudget() {
        SharingSettings budget = parse("--threshold-algorithm", "budget");
        assertEquals(SharingSettings.DEFAULT_BUDGET, budget.thresholdValue(), "default budget 1/64");
        assertEquals(1.0 / 128, budget.fractionPerWorker(2), 1e-15);
        assertEquals(1.0 / 4096, budget.fractionPerWorker(64), 1e-15);
        QuantileThreshold at64 = (QuantileThreshold) TrainingMasters.thresholdAlgorithm(budget, 64);
        assertEquals(1.0 / 4096, at64.fraction(), 1e-15);
        assertTrue(at64.fraction() < 1.0 / 16, "sparse encoding: DL4J sends 4 bytes per element below 1/16");
    }

    @Test
    void theDefaultQuantileKeepsItsFractionPerWorker() {
        SharingSettings quantile = parse();
        assertEquals("quantile", quantile.threshold());
        assertEquals(0.5, quantile.fractionPerWorker(64));
        assertEquals(0.5, ((QuantileThreshold) TrainingMasters.thresholdAlgorithm(quantile, 64)).fraction());
        assertEquals(0.01, parse("--threshold-algorithm", "budget", "--threshold", "0.01").fractionPerWorker(1));
        assertThrows(IllegalArgumentException.class, () -> parse("--threshold-algorithm", "budget", "--threshold", "2"));
    }
}
