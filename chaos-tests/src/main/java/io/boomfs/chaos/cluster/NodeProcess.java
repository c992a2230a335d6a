package io.boomfs.chaos.cluster;

import io.boomfs.engine.runtime.AeronHost;
import io.boomfs.engine.runtime.Pause;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One run of a node's process, its output to the node's {@link NodeOutput}. Its stdin stays
 * open: the nodes run with {@code --exit-on-stdin-close}, so they die with this JVM.
 */
final class NodeProcess {
    private final String id;
    private final Process process;
    private final NodeOutput output;
    private volatile boolean paused;

    NodeProcess(String id, List<String> command, NodeOutput output) {
        this.id = id;
        this.output = output;
        output.restarted();
        try {
            this.process = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node " + id + " (" + command.get(0) + "): " + e.getMessage(), e);
        }
        output.harness("started pid " + process.pid() + ": " + String.join(" ", withoutClassPath(command)));
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
                    output.line(stream, line);
                }
            } catch (IOException e) {
                output.harness("output lost: " + e.getMessage());
            }
        }, "node-" + id + "-" + stream);
        t.setDaemon(true);
        t.start();
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

    long leaderBallot() {
        return output.leaderBallot();
    }

    void awaitReady(long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!output.ready()) {
            if (!process.isAlive()) {
                throw new IllegalStateException("node " + id + " exited with code " + process.exitValue()
                    + " before it was ready (its log says why)");
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("node " + id + " was not ready within " + timeoutMs + " ms");
            }
            Pause.millis(10);
        }
    }

    void signal(String signal) {
        Shell.run("kill", "-" + signal, Long.toString(process.pid()));
        paused = signal.equals("STOP");
        output.harness("SIG" + signal);
    }

    /** SIGKILL, wait until it is gone, remove the media driver directory it could not. */
    void kill() {
        process.destroyForcibly();
        await(10_000);
        AeronHost.removeDirectoriesOf(process.pid());
        output.harness("killed (SIGKILL)");
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
        output.harness("stopped, exit code " + (process.isAlive() ? "?" : process.exitValue()));
    }

    private boolean await(long ms) {
        try {
            return process.waitFor(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
