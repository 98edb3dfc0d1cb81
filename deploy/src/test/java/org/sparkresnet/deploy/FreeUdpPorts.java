package org.sparkresnet.deploy;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Gradient sharing's UDP ports for a test: the driver takes --aeron-port and executor n the port + 1 + n. The default
 * (40123) may still be held by the parameter server an earlier test left in the failsafe JVM, whose media driver then
 * receives the executors' datagrams meant for a new driver: each test that runs sharing in a child JVM takes free ones.
 */
final class FreeUdpPorts {
    private FreeUdpPorts() {
    }

    /** A base port with the next {@code count - 1} free too on loopback. */
    static int range(int count) {
        Random random = new Random();
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = 41000 + random.nextInt(8000);
            List<DatagramSocket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < count; i++) {
                    sockets.add(new DatagramSocket(new InetSocketAddress("127.0.0.1", base + i)));
                }
                return base;
            } catch (SocketException e) {
                // taken: try another
            } finally {
                sockets.forEach(DatagramSocket::close);
            }
        }
        throw new IllegalStateException("no " + count + " free consecutive UDP ports");
    }
}
