package org.sparkresnet.jobs.dl4jfix;

import io.aeron.driver.MediaDriver;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.nd4j.parameterserver.distributed.v2.transport.impl.AeronUdpTransport;

/**
 * A JVM of its own for {@link AeronDirectoriesTest}: {@code transport DIR PORT fixed|stock} starts dl4j's
 * AeronUdpTransport with its media driver in DIR (with or without {@link AeronDirectories}) and exits normally;
 * {@code driver DIR} starts a bare media driver in DIR and waits to be killed.
 */
public final class AeronChild {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("transport")) {
            System.setProperty("aeron.dir", args[1]);
            if (args[3].equals("fixed")) {
                AeronDirectories.beforeMediaDriverLaunch();
            }
            int port = Integer.parseInt(args[2]);
            VoidConfiguration conf = VoidConfiguration.builder().build();
            conf.setUnicastControllerPort(port);
            new AeronUdpTransport("127.0.0.1", port, "127.0.0.1", port, conf).launchAsMaster(); // as the driver's parameter server does
            System.out.println("ready");
            System.exit(0); // shutdown hooks run, dl4j's closes the transport and its media driver
        }
        MediaDriver driver = MediaDriver.launch(new MediaDriver.Context().aeronDirectoryName(args[1]).dirDeleteOnShutdown(false));
        System.out.println("ready " + driver.aeronDirectoryName());
        Thread.sleep(Long.MAX_VALUE);
    }
}
