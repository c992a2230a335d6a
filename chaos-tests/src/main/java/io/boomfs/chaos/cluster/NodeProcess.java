package io.boomfs.chaos.cluster;

import io.boomfs.engine.runtime.AeronHost;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One run of a node's process: its output goes to the node's log file, each line prefixed with
 * the run's clock (ns since the run started, the history's clock) and {@code out}/{@code err};
 * its {@code READY} and {@code ROLE} lines are followed. Its stdin stays open: the nodes run
 * with {@code --exit-on-stdin-close}, so they die with this JVM.
 */
final class NodeProcess {
    private final String id;
    private final Process process;
    private final PrintWriter log;
    private final LongSupplier clock;
    private volatile boolean ready;
    private volatile long leaderBallot = -1;
    private volatile boolean paused;

    NodeProcess(String id, List<String> command, PrintWriter log, LongSupplier clock) {
        this.id = id;
        this.log = log;
        this.clock = clock;
        try {
            this.process = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node " + id + " (" + command.get(0) + "): " + e.getMessage(), e);
        }
        write("harness", "started pid " + process.pid() + ": " + String.join(" ", withoutClassPath(command)));
        pump(process.getInputStream(), "out");
        pump(process.getErrorStream(), "err");
    }

    /** The command with its class path shortened: the log shows what runs, not a page of jars. */
    private static List<String> withoutClassPath(List<String> command) {
        List<String> c = new java.util.ArrayList<>(command);
        int cp = c.indexOf("-cp");
        if (cp >= 0 && cp + 1 < c.size()) {
            c.set(cp + 1, "<class path>");
        }
        return c;
    }

    private void pump(InputStream in, String stream) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    watch(line);
                    write(stream, line);
                }
            } catch (IOException e) {
                write("harness", "output lost: " + e.getMessage());
            }
        }, "node-" + id + "-" + stream);
        t.setDaemon(true);
        t.start();
    }

    private void watch(String line) {
        if (line.startsWith("READY ")) {
            ready = true;
        } else if (line.startsWith("ROLE leader ")) {
            leaderBallot = Long.parseLong(line.substring("ROLE leader ".length()).trim());
        } else if (line.startsWith("ROLE ")) {
            leaderBallot = -1;
        }
    }

    void write(String stream, String line) {
        synchronized (log) {
            log.println(clock.getAsLong() + " " + stream + " " + line);
            log.flush();
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    boolean isPaused() {
        return paused;
    }

    /** The ballot it said it leads in, or -1 when it last said it follows. */
    long leaderBallot() {
        return leaderBallot;
    }

    void awaitReady(long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!ready) {
            if (!process.isAlive()) {
                throw new IllegalStateException("node " + id + " exited with code " + process.exitValue()
                    + " before it was ready (its log says why)");
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("node " + id + " was not ready within " + timeoutMs + " ms");
            }
            sleep(10);
        }
    }

    void signal(String signal) {
        Shell.run("kill", "-" + signal, Long.toString(process.pid()));
        paused = signal.equals("STOP");
        write("harness", "SIG" + signal);
    }

    /** SIGKILL, wait until it is gone, remove the media driver directory it could not. */
    void kill() {
        process.destroyForcibly();
        await(10_000);
        AeronHost.removeDirectoriesOf(process.pid());
        write("harness", "killed (SIGKILL)");
    }

    /** SIGTERM (a paused process is continued first, or it could not act on it), SIGKILL after 10 s. */
    void stop() {
        if (!process.isAlive()) {
            return;
        }
        if (paused) {
            signal("CONT");
        }
        process.toHandle().destroy();
        if (!await(10_000)) {
            kill();
        }
        write("harness", "stopped, exit code " + (process.isAlive() ? "?" : process.exitValue()));
    }

    private boolean await(long ms) {
        try {
            return process.waitFor(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }
}
