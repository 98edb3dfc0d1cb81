package org.sparkresnet.jobs.train;

import org.apache.spark.SparkEnv;
import org.sparkresnet.jobs.dl4jfix.AeronDirectories;
import org.sparkresnet.jobs.dl4jfix.AeronTermLength;
import org.nd4j.parameterserver.distributed.v2.transport.PortSupplier;

/**
 * The Aeron UDP port of each JVM in gradient sharing: the driver (the controller) takes {@code basePort}, executor
 * {@code n} takes {@code basePort + 1 + n}. DL4J gives the driver and every executor the same supplier, and a fixed
 * port makes two executor JVMs on one host (local-cluster, or several executors per node) fail to bind; executor
 * ids are small integers and unique within an application, so the ports never collide. Open basePort..basePort+N
 * in the firewall.
 *
 * <p>DL4J asks for the port in each JVM just before it launches that JVM's Aeron media driver, so this is also where
 * {@link AeronDirectories} tidies the driver's shared-memory folders and {@link AeronTermLength} sets its terms.
 */
public final class PerExecutorPortSupplier implements PortSupplier {
    private static final long serialVersionUID = 1L;
    /** Spark's executor id of the driver (SparkContext.DRIVER_IDENTIFIER), also of local[N]'s only executor. */
    static final String DRIVER = "driver";
    private final int basePort;

    public PerExecutorPortSupplier(int basePort) {
        this.basePort = basePort;
    }

    @Override
    public int getPort() {
        AeronTermLength.applyDefault();
        AeronDirectories.beforeMediaDriverLaunch();
        SparkEnv env = SparkEnv.get();
        String executorId = env == null ? DRIVER : env.executorId();
        return portOf(executorId);
    }

    int portOf(String executorId) {
        if (DRIVER.equals(executorId)) {
            return basePort;
        }
        try {
            int port = basePort + 1 + Integer.parseInt(executorId);
            if (port > 65535) {
                throw new IllegalStateException("executor " + executorId + " would need Aeron port " + port + " (--aeron-port "
                        + basePort + " + 1 + executor id): choose a lower --aeron-port");
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalStateException("executor id '" + executorId + "' is not a number; cannot derive its Aeron port", e);
        }
    }

    public int basePort() {
        return basePort;
    }

    @Override
    public String toString() {
        return "PerExecutorPortSupplier[driver " + basePort + ", executor n: " + basePort + " + 1 + n]";
    }
}
