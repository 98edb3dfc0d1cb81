package org.sparkresnet.jobs.train;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Where gradient sharing's executors send their updates (see TrainingMasters.controllerAddress). */
class ControllerAddressTest {
    private static final SharingSettings DEFAULTS = SharingSettings.defaults();

    @Test
    void aClusterWithoutDl4jSettingsUsesTheAddressExecutorsReachTheDriverAt() {
        // dl4j-spark alone threw "Can't get Spark Master local address" here: every standalone/YARN cluster-mode run
        assertEquals("127.0.0.1", TrainingMasters.controllerAddress(DEFAULTS, "spark://10.0.0.1:7077", "localhost", Map.of()));
        assertEquals("10.1.2.3", TrainingMasters.controllerAddress(DEFAULTS, "yarn", "10.1.2.3", Map.of()));
    }

    @Test
    void explicitAddressLocalMastersAndDl4jsOwnSettingsComeFirst() {
        assertEquals("10.9.9.9", TrainingMasters.controllerAddress(DEFAULTS.withControllerAddress("10.9.9.9"), "yarn", "10.1.2.3", Map.of()));
        assertEquals("127.0.0.1", TrainingMasters.controllerAddress(DEFAULTS, "local-cluster[2,1,1024]", "10.1.2.3", Map.of()));
        assertNull(TrainingMasters.controllerAddress(DEFAULTS, "yarn", "10.1.2.3", Map.of("SPARK_PUBLIC_DNS", "driver.example")));
        assertNull(TrainingMasters.controllerAddress(DEFAULTS, "yarn", "10.1.2.3", Map.of("DL4J_VOID_IP", "10.1.2.4")));
        assertNull(TrainingMasters.controllerAddress(DEFAULTS, "yarn", null, Map.of()));
    }

    @Test
    void anUnresolvableDriverHostNamesItselfAndTheFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingMasters.controllerAddress(DEFAULTS, "yarn", "no-such-host.invalid", Map.of()));
        assertEquals(true, e.getMessage().contains("no-such-host.invalid") && e.getMessage().contains("--controller-address"), e.getMessage());
    }
}
