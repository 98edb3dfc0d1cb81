package org.sparkresnet.jobs.preflight;

/**
 * Gradient sharing's UDP paths: the driver's Aeron port bound on its address, and for every executor its own port
 * bound, its datagrams received by the driver and the driver's reply received at the address it advertises.
 */
public final class AeronUdpCheck {
    static final String NAME = "aeron-udp";

    private AeronUdpCheck() {
    }

    static Check driverBound(String where, String address, int port) {
        return Check.pass(where, NAME, "bound UDP " + address + ":" + port + " (the driver's --aeron-port)");
    }

    static Check driverNotBound(String where, String address, int port, String error) {
        return Check.fail(where, NAME, "cannot bind UDP " + address + ":" + port + ": " + error,
                "the port is in use (another job, or a train still running) or " + address + " is not an address of the driver:"
                        + " choose another --aeron-port, or give --controller-address with the driver's own address");
    }

    static Check noControllerAddress(String where) {
        return Check.fail(where, NAME, "the driver's address for Aeron is unknown (no --controller-address, --network-mask,"
                + " SPARK_PUBLIC_DNS or DL4J_VOID_IP): train --mode sharing would fail the same way",
                "give --controller-address with the driver's IP as executors reach it, or --network-mask of the cluster's network");
    }

    /**
     * @param result        what the executor saw (null: it could not take part, e.g. no port for its id)
     * @param driverHeard   the source address of the executor's hello as the driver received it, or null
     * @param otherHost     the executor runs on another machine than the driver
     */
    static Check executor(String where, UdpExchange.Result result, String driverHeard, String driverAddress, int driverPort,
                          boolean otherHost) {
        String own = result.address() + ":" + result.port();
        String driver = driverAddress + ":" + driverPort;
        if (result.bindError() != null) {
            return Check.fail(where, NAME, "cannot bind UDP " + own + ": " + result.bindError(),
                    "executor n takes --aeron-port + 1 + n: that port is in use on this machine (another application's executor,"
                            + " or a second preflight) or not allowed; choose another --aeron-port");
        }
        String maskAdvice = "give --network-mask with the cluster's network (e.g. 10.0.0.0/16) or set DL4J_VOID_IP in"
                + " spark.executorEnv so that each executor advertises an address the driver reaches";
        if (otherHost && AeronAddresses.isLoopback(result.address())) {
            return Check.fail(where, NAME, "the executor advertises " + own + " for Aeron but runs on another machine than the"
                    + " driver, which cannot reach its loopback address", maskAdvice);
        }
        if (driverHeard == null) {
            return Check.fail(where, NAME, result.sent() + " datagrams from " + own + " to the driver at " + driver
                            + " did not arrive within " + result.millis() + " ms",
                    "allow UDP from the executors to the driver's port " + driverPort + " (firewall, security group, network"
                            + " policy), and check that " + driverAddress + " is the driver's address as executors reach it"
                            + " (--controller-address)");
        }
        if (!result.acked()) {
            return Check.fail(where, NAME, "the driver received the executor's datagrams (from " + driverHeard + ") but its replies to "
                            + own + " did not arrive",
                    AeronAddresses.isLoopback(result.address()) ? maskAdvice
                            : "allow UDP from the driver to the executors' ports (--aeron-port + 1 + executor id) on every executor");
        }
        return Check.pass(where, NAME, "bound UDP " + own + "; datagrams to the driver at " + driver + " and back in "
                + result.millis() + " ms");
    }
}
