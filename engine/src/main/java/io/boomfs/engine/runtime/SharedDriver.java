package io.boomfs.engine.runtime;

import io.aeron.driver.MediaDriver;


/**
 * One media driver for several BoomFS processes of a host (ARCHITECTURE.md: "a host may run
 * one external driver for all its nodes"): on a machine with few cores, one driver thread
 * instead of one per process. The processes connect to it with {@code --aeron-dir DIR}.
 *
 * <p>{@code SharedDriver DIR [--low-latency] [--exit-on-stdin-close]} prints {@code READY DIR}
 * once the driver runs; SIGTERM (or the end of stdin, with the flag) stops it and removes DIR.
 * Errors are one line on stderr with exit code 1.
 */
public final class SharedDriver {
    private SharedDriver() {
    }

    public static void main(String[] args) {
        String dir = null;
        boolean lowLatency = false;
        boolean exitOnStdinClose = false;
        for (String a : args) {
            switch (a) {
                case "--low-latency" -> lowLatency = true;
                case "--exit-on-stdin-close" -> exitOnStdinClose = true;
                default -> {
                    if (a.startsWith("-") || dir != null) {
                        fail("usage: SharedDriver DIR [--low-latency] [--exit-on-stdin-close]");
                    }
                    dir = a;
                }
            }
        }
        if (dir == null) {
            fail("usage: SharedDriver DIR [--low-latency] [--exit-on-stdin-close]");
        }
        MediaDriver driver;
        try {
            driver = AeronHost.launchShared(dir, lowLatency);
        } catch (RuntimeException e) {
            fail("cannot start a media driver in " + dir + ": " + e.getMessage());
            return;
        }
        ProcessStop stop = ProcessStop.install("shared-driver-stop");
        if (exitOnStdinClose) {
            stop.onEndOf(System.in, line -> System.err.println("shared-driver: " + line));
        }
        System.out.println("READY " + dir);
        System.out.flush();
        stop.await(() -> false);
        driver.close();
        stop.closed();
    }

    private static void fail(String message) {
        System.err.println("shared-driver: error: " + message);
        System.exit(1);
    }
}
