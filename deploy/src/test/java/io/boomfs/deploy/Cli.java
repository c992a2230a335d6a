package io.boomfs.deploy;

import java.io.ByteArrayOutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/** Runs the {@code boom} command in-process, as {@code ./boom} would, with captured output. */
public final class Cli {
    private Cli() {
    }

    /** What one command line printed and returned. */
    public record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** Runs {@code boom args...} with relative paths resolved against {@code base}. */
    public static Result run(Path base, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        int code = Boom.run(new Boom(o, e, base), args);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The first of three free consecutive UDP ports on loopback, for a replica group's --port-base. */
    public static int freeBase() {
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(20_000, 29_997);
            if (free(base) && free(base + 1) && free(base + 2)) {
                return base;
            }
        }
        throw new IllegalStateException("no three free consecutive UDP ports in 20000-29999");
    }

    private static boolean free(int port) {
        try (DatagramSocket s = new DatagramSocket(port, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort() == port;
        } catch (SocketException e) {
            return false;
        }
    }
}
