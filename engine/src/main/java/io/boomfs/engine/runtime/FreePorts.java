package io.boomfs.engine.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for endpoints chosen at run time (clients, tests, the loopback chaos cluster).
 *
 * <p>A port taken with {@code bind(0)} comes from the kernel's ephemeral range, and so does
 * the source port of every socket that Aeron opens to send: between choosing the port and
 * binding it, another process's publication may take it ({@code address already in use},
 * seen in CI). These ports come from below the ephemeral range instead, free for UDP and TCP
 * on the host when handed out, and never twice in one JVM.
 */
public final class FreePorts {
    private static final int LOWEST = 10_000;
    private static final Set<Integer> GIVEN = new HashSet<>();

    private FreePorts() {
    }

    /** A port free on loopback right now. */
    public static int loopback() {
        return on(InetAddress.getLoopbackAddress());
    }

    /** {@code 127.0.0.1:PORT} with a port from {@link #loopback()}. */
    public static String loopbackEndpoint() {
        return "127.0.0.1:" + loopback();
    }

    /** A port free for UDP and TCP on {@code host} right now. */
    public static synchronized int on(InetAddress host) {
        int top = ephemeralLow();
        int span = top - LOWEST;
        int start = ThreadLocalRandom.current().nextInt(span);
        for (int i = 0; i < span; i++) {
            int port = LOWEST + (start + i) % span;
            if (!GIVEN.contains(port) && free(host, port)) {
                GIVEN.add(port);
                return port;
            }
        }
        throw new UncheckedIOException(new IOException("no free port on " + host.getHostAddress()
            + " between " + LOWEST + " and " + top));
    }

    private static boolean free(InetAddress host, int port) {
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(host, port));
             ServerSocket tcp = new ServerSocket()) {
            tcp.bind(new InetSocketAddress(host, port), 1);
            return udp.isBound();
        } catch (IOException e) {
            return false;
        }
    }

    /** The first port of the kernel's ephemeral range (Linux), or 32768. */
    static int ephemeralLow() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            int low = Integer.parseInt(range.split("\\s+")[0]);
            return low > LOWEST + 1_000 ? low : 32_768;
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
