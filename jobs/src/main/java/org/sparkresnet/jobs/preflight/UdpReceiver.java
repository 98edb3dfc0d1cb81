package org.sparkresnet.jobs.preflight;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The driver's side of the UDP check: binds the driver's Aeron port on its address (as train's controller does), records
 * every executor's "hello" and answers each with an "ack" sent to the address and port the executor advertises (where
 * Aeron will send to it), not merely back to the packet's source.
 */
public final class UdpReceiver implements AutoCloseable {
    private final DatagramSocket socket;
    private final String token;
    private final Map<String, String> heard = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean open = true;

    /** @throws SocketException when the port cannot be bound (in use, not permitted, not an address of this machine) */
    public UdpReceiver(String address, int port, String token) throws SocketException {
        this.socket = new DatagramSocket(new InetSocketAddress(address, port));
        this.token = token;
        socket.setSoTimeout(200);
        this.thread = new Thread(this::receive, "preflight-udp-" + port);
        thread.setDaemon(true);
        thread.start();
    }

    /** Executor id to the source address of its first hello. */
    public Map<String, String> heard() {
        return Map.copyOf(heard);
    }

    private void receive() {
        byte[] buffer = new byte[512];
        while (open) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
            } catch (SocketTimeoutException e) {
                continue;
            } catch (IOException e) {
                if (open) {
                    continue;
                }
                return;
            }
            String[] parts = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8).split(" ");
            if (parts.length != 6 || !UdpExchange.MAGIC.equals(parts[0]) || !token.equals(parts[1]) || !"hello".equals(parts[2])) {
                continue;
            }
            String executorId = parts[3];
            heard.putIfAbsent(executorId, packet.getAddress().getHostAddress() + ":" + packet.getPort());
            try {
                byte[] ack = UdpExchange.ack(token, executorId).getBytes(StandardCharsets.UTF_8);
                socket.send(new DatagramPacket(ack, ack.length, new InetSocketAddress(parts[4], Integer.parseInt(parts[5]))));
            } catch (IOException | IllegalArgumentException e) {
                // unreachable advertised address: the executor reports that no ack came
            }
        }
    }

    @Override
    public void close() {
        open = false;
        socket.close();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
