package org.sparkresnet.jobs.preflight;

import org.junit.jupiter.api.Test;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The UDP exchange over real sockets on loopback, and how each outcome is reported. */
class UdpExchangeTest {
    private static final String LOOPBACK = "127.0.0.1";

    private static int freePort() throws SocketException {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            return socket.getLocalPort();
        }
    }

    @Test
    void anExecutorAndTheDriverExchangeDatagramsBothWays() throws SocketException {
        int driverPort = freePort();
        int executorPort = freePort();
        try (UdpReceiver driver = new UdpReceiver(LOOPBACK, driverPort, "t1")) {
            UdpExchange.Result result = UdpExchange.run("3", LOOPBACK, executorPort, LOOPBACK, driverPort, "t1", Duration.ofSeconds(5));
            assertNull(result.bindError());
            assertTrue(result.acked(), result.toString());
            assertEquals(LOOPBACK + ":" + executorPort, driver.heard().get("3"));
            Check check = AeronUdpCheck.executor("executor 3 (h)", result, driver.heard().get("3"), LOOPBACK, driverPort, false);
            assertEquals(Check.Status.PASS, check.status(), check.toString());
        }
    }

    @Test
    void nothingListeningOnTheDriversPortFailsWithTheFirewallFix() throws SocketException {
        int driverPort = freePort();
        UdpExchange.Result result = UdpExchange.run("1", LOOPBACK, freePort(), LOOPBACK, driverPort, "t2", Duration.ofMillis(700));
        assertFalse(result.acked());
        assertTrue(result.sent() >= 2, result.toString());
        Check check = AeronUdpCheck.executor("executor 1 (h)", result, null, LOOPBACK, driverPort, false);
        assertEquals(Check.Status.FAIL, check.status());
        assertTrue(check.detail().contains("did not arrive"), check.detail());
        assertTrue(check.advice().contains("allow UDP from the executors to the driver's port " + driverPort), check.advice());
    }

    @Test
    void anotherApplicationsDatagramsAreIgnored() throws SocketException {
        int driverPort = freePort();
        try (UdpReceiver driver = new UdpReceiver(LOOPBACK, driverPort, "this-run")) {
            UdpExchange.Result result = UdpExchange.run("1", LOOPBACK, freePort(), LOOPBACK, driverPort, "other-run", Duration.ofMillis(700));
            assertFalse(result.acked());
            assertTrue(driver.heard().isEmpty());
        }
    }

    @Test
    void aPortInUseOnTheExecutorIsABindFailure() throws SocketException {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            UdpExchange.Result result = UdpExchange.run("1", LOOPBACK, taken.getLocalPort(), LOOPBACK, freePort(), "t", Duration.ofSeconds(1));
            assertNotNull(result.bindError());
            Check check = AeronUdpCheck.executor("executor 1 (h)", result, null, LOOPBACK, 40123, false);
            assertEquals(Check.Status.FAIL, check.status());
            assertTrue(check.advice().contains("choose another --aeron-port"), check.advice());
        }
    }

    @Test
    void aLoopbackAddressOnAnotherMachineFailsWithTheNetworkMaskFix() {
        UdpExchange.Result result = new UdpExchange.Result(LOOPBACK, 40124, null, 3, false, 600);
        Check check = AeronUdpCheck.executor("executor 0 (node7)", result, "10.0.0.7:40124", "10.0.0.1", 40123, true);
        assertEquals(Check.Status.FAIL, check.status());
        assertTrue(check.advice().contains("--network-mask"), check.advice());
    }

    @Test
    void theDriversPortTakenFailsOnTheDriver() throws SocketException {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            SocketException e = org.junit.jupiter.api.Assertions.assertThrows(SocketException.class,
                    () -> new UdpReceiver(LOOPBACK, taken.getLocalPort(), "t"));
            Check check = AeronUdpCheck.driverNotBound("driver", LOOPBACK, taken.getLocalPort(), e.getMessage());
            assertEquals(Check.Status.FAIL, check.status());
        }
    }

    @Test
    void addressesAsTrainChoosesThem() {
        var defaults = org.sparkresnet.jobs.train.SharingSettings.defaults();
        assertEquals(LOOPBACK, AeronAddresses.controller(defaults, "local-cluster[2,1,1024]", null, java.util.Map.of()));
        assertEquals("10.1.2.3", AeronAddresses.controller(defaults, "yarn", "10.9.9.9", java.util.Map.of("DL4J_VOID_IP", "10.1.2.3")));
        assertNull(AeronAddresses.controller(defaults, "yarn", null, java.util.Map.of()), "train could not tell either");
        assertEquals("10.1.2.3", AeronAddresses.controller(defaults, "yarn", "10.1.2.3", java.util.Map.of()), "spark.driver.host, as train");
        assertEquals("10.0.0.9", AeronAddresses.controller(defaults.withControllerAddress("10.0.0.9"), "yarn", null, java.util.Map.of()));
        assertEquals(LOOPBACK, AeronAddresses.executor(null, java.util.Map.of()), "dl4j's fallback");
        assertEquals("10.1.2.4", AeronAddresses.executor(null, java.util.Map.of("DL4J_VOID_IP", "10.1.2.4")));
    }
}
