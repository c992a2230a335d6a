package io.boomfs.engine.runtime;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A node in a JVM of its own ({@code NodeServer.main}, what {@code boom olg serve} runs), started
 * with this JVM's classpath and its Aeron/Chronicle flags. Its stdout and stderr are kept for
 * assertions and failure dumps; it is stopped by its pid (SIGTERM, or SIGKILL for crash tests).
 */
final class ProcessNode implements AutoCloseable {
    final String name;
    final Process process;
    final List<String> out = new CopyOnWriteArrayList<>();
    final List<String> err = new CopyOnWriteArrayList<>();

    private ProcessNode(String name, Process process) {
        this.name = name;
        this.process = process;
        pump(process.getInputStream(), out);
        pump(process.getErrorStream(), err);
    }

    /** The JVM options this JVM was given that a node needs (module exports, Chronicle settings). */
    static List<String> jvmFlags() {
        List<String> flags = new ArrayList<>();
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-exports") || a.startsWith("--add-opens") || a.startsWith("-Dchronicle")) {
                flags.add(a);
            }
        }
        return flags;
    }

    /** Starts {@code main} with {@code args} in a new JVM; {@code jvmOptions} go before the class. */
    static ProcessNode start(String name, List<String> jvmOptions, String main, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(jvmFlags());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main);
        cmd.addAll(args);
        try {
            return new ProcessNode(name, new ProcessBuilder(cmd).start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A serve process with small-footprint JVM options (fast start: these are short-lived). */
    static ProcessNode serve(String name, List<String> args) {
        return start(name, List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto"),
            NodeServer.class.getName(), args);
    }

    private static void pump(InputStream in, List<String> into) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    into.add(line);
                }
            } catch (IOException e) {
                into.add("(output lost: " + e + ")");
            }
        }, "pump");
        t.setDaemon(true);
        t.start();
    }

    long pid() {
        return process.pid();
    }

    void awaitReady(long timeoutMs) {
        Support.await(name + " to be ready", timeoutMs, () -> out.stream().anyMatch(l -> l.startsWith("READY ")) || !process.isAlive(),
            this::dump);
        if (!process.isAlive()) {
            throw new AssertionError(name + " exited with " + process.exitValue() + " before it was ready\n" + dump());
        }
    }

    /** kill -9, wait until it is gone, and remove the driver directory it could not remove itself. */
    void kill9() {
        process.destroyForcibly();
        waitGone();
        try (var dirs = java.nio.file.Files.list(java.nio.file.Path.of("/dev/shm"))) {
            for (var d : dirs.filter(p -> p.getFileName().toString().startsWith("boomfs-aeron-" + process.pid() + "-")).toList()) {
                org.agrona.IoUtil.delete(d.toFile(), true);
            }
        } catch (IOException e) {
            err.add("(could not remove the driver directory of pid " + process.pid() + ": " + e + ")");
        }
    }

    int waitExit(long timeoutMs) {
        try {
            if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
                throw new AssertionError(name + " still running after " + timeoutMs + " ms\n" + dump());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return process.exitValue();
    }

    private void waitGone() {
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    String dump() {
        return "---- " + name + " (pid " + process.pid() + ") stdout:\n" + String.join("\n", out)
            + "\n---- " + name + " stderr:\n" + String.join("\n", err) + "\n";
    }

    /** SIGTERM (a clean shutdown), then SIGKILL if it does not exit within 10 s. */
    @Override
    public void close() {
        if (process.isAlive()) {
            // Through the handle: Process.destroy() would also close our ends of its output pipes.
            process.toHandle().destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
