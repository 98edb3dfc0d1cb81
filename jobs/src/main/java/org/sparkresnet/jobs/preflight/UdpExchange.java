package org.sparkresnet.jobs.preflight;

import java.io.IOException;
import java.io.Serializable;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * An executor's side of the UDP check: bind the executor's Aeron port on its Aeron address (where its media driver will
 * listen), send "hello" datagrams to the driver's port until the driver's "ack" comes back to that port or time runs
 * out. The driver's side is {@link UdpReceiver}; together they show UDP gets through both ways on the ports train uses.
 */
public final class UdpExchange {
    static final String MAGIC = "sparkresnet-preflight";
    private static final int RESEND_MILLIS = 200;

    private UdpExchange() {
    }

    /**
     * @param bindError null when the port could be bound, else why not
     * @param sent      hello datagrams sent
     * @param acked     the driver's reply arrived
     */
    public record Result(String address, int port, String bindError, int sent, boolean acked, long millis) implements Serializable {
    }

    static String hello(String token, String executorId, String address, int port) {
        return MAGIC + " " + token + " hello " + executorId + " " + address + " " + port;
    }

    static String ack(String token, String executorId) {
        return MAGIC + " " + token + " ack " + executorId;
    }

    public static Result run(String executorId, String ownAddress, int ownPort, String driverAddress, int driverPort, String token,
                             Duration timeout) {
        long start = System.nanoTime();
        DatagramSocket socket;
        try {
            socket = new DatagramSocket(new InetSocketAddress(ownAddress, ownPort));
        } catch (SocketException | IllegalArgumentException | SecurityException e) {
            return new Result(ownAddress, ownPort, e.getClass().getSimpleName() + ": " + e.getMessage(), 0, false, millisSince(start));
        }
        int sent = 0;
        try (socket) {
            byte[] hello = hello(token, executorId, ownAddress, ownPort).getBytes(StandardCharsets.UTF_8);
            String expected = ack(token, executorId);
            InetSocketAddress driver = new InetSocketAddress(driverAddress, driverPort);
            socket.setSoTimeout(RESEND_MILLIS);
            byte[] buffer = new byte[512];
            long deadline = start + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                socket.send(new DatagramPacket(hello, hello.length, driver));
                sent++;
                long resendAt = System.nanoTime() + RESEND_MILLIS * 1_000_000L;
                while (System.nanoTime() < resendAt) {
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    try {
                        socket.receive(packet);
                    } catch (SocketTimeoutException e) {
                        break;
                    }
                    String text = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
                    if (text.equals(expected)) {
                        return new Result(ownAddress, ownPort, null, sent, true, millisSince(start));
                    }
                }
            }
            return new Result(ownAddress, ownPort, null, sent, false, millisSince(start));
        } catch (IOException e) {
            return new Result(ownAddress, ownPort, null, sent, false, millisSince(start));
        }
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
