package org.sparkresnet.jobs.preflight;

import org.nd4j.parameterserver.distributed.util.NetworkOrganizer;
import org.sparkresnet.jobs.train.SharingSettings;
import org.sparkresnet.jobs.train.TrainingMasters;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;

/**
 * The UDP addresses gradient sharing uses, chosen as train chooses them: the driver's (the controller's) as
 * TrainingMasters and dl4j-spark's SharedTrainingMaster pick it, and each executor's own as dl4j-spark's
 * SharedTrainingWrapper picks it (the --network-mask's matching interface, else DL4J_VOID_IP, else 127.0.0.1).
 */
public final class AeronAddresses {
    static final String LOOPBACK = TrainingMasters.LOOPBACK;

    private AeronAddresses() {
    }

    /**
     * The driver's address as executors reach it, or null when train could not determine it either: train's own choice
     * ({@link TrainingMasters#controllerAddress}), else what dl4j-spark's SharedTrainingMaster picks from
     * SPARK_PUBLIC_DNS, the network mask or DL4J_VOID_IP.
     *
     * @throws IllegalStateException when --network-mask matches no interface of the driver
     */
    public static String controller(SharingSettings sharing, String master, String driverHost, Map<String, String> env) {
        String trains = TrainingMasters.controllerAddress(sharing, master, driverHost, env);
        if (trains != null) {
            return trains;
        }
        String publicDns = env.get("SPARK_PUBLIC_DNS");
        if (publicDns != null) {
            try {
                return InetAddress.getByName(publicDns).getHostAddress();
            } catch (UnknownHostException e) {
                // as SharedTrainingMaster: go on with the network mask
            }
        }
        if (sharing.networkMask() != null) {
            return matching(sharing.networkMask());
        }
        return env.get("DL4J_VOID_IP");
    }

    /**
     * The address an executor advertises to the others.
     *
     * @throws IllegalStateException when --network-mask matches no interface of this machine
     */
    public static String executor(String networkMask, Map<String, String> env) {
        if (networkMask != null) {
            return matching(networkMask);
        }
        String voidIp = env.get("DL4J_VOID_IP");
        return voidIp != null ? voidIp : LOOPBACK;
    }

    static boolean isLoopback(String address) {
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static String matching(String networkMask) {
        try {
            return new NetworkOrganizer(networkMask).getMatchingAddress();
        } catch (RuntimeException e) {
            throw new IllegalStateException("no network interface of this machine is in --network-mask " + networkMask + ": " + e.getMessage(), e);
        }
    }
}
