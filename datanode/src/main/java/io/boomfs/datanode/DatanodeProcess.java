package io.boomfs.datanode;

import io.boomfs.engine.runtime.AeronHost;
import io.boomfs.engine.runtime.ChildLog;
import io.boomfs.engine.runtime.Pause;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@link DatanodeServer} in a JVM of its own, started with this JVM's {@code java}, its
 * module flags and its class path, with all its options (the control path's too: see
 * {@link DatanodeServer.Options#withControl}): what the multi-process tests and {@link DataBench} run. Its
 * stdin stays open and it runs with {@code --exit-on-stdin-close}, so that it dies with this JVM
 * even when this JVM is killed. The last lines of its output are kept for {@link #dump()}.
 * Thread-safe.
 */
public final class DatanodeProcess implements AutoCloseable {
    /** Small heaps and one GC thread: three datanodes and a client share two cores. */
    public static final List<String> DEFAULT_JVM_OPTIONS = List.of("-Xms32m", "-Xmx128m", "-XX:+UseSerialGC");
    private static final int KEPT_LINES = 500;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private final DatanodeServer.Options options;
    private final Process process;
    private final ChildLog log;
    private final Deque<String> lines = new ArrayDeque<>();
    private volatile String address;

    private DatanodeProcess(DatanodeServer.Options options, Process process, ChildLog log) {
        this.options = options;
        this.process = process;
        this.log = log;
        pump(process.getInputStream(), true);
        pump(process.getErrorStream(), false);
    }

    /** Starts a datanode with {@code jvmOptions} (heap, GC) before the class name. */
    public static DatanodeProcess start(DatanodeServer.Options options, List<String> jvmOptions) {
        return start(options, jvmOptions, DatanodeServer.class.getName(), options.withExitOnStdinClose(true).toArgs(), ChildLog.NONE);
    }

    /**
     * Starts {@code mainClass} with {@code args} of its own: a launcher that finds the datanode's
     * options elsewhere ({@code boom node --topology T --id ID}), whose arguments must make it
     * stop at the end of its stdin too; {@code options} say what it runs. Every line it prints
     * also goes to {@code log}, with the time it arrived.
     */
    public static DatanodeProcess start(DatanodeServer.Options options, List<String> jvmOptions, String mainClass, List<String> args,
                                        ChildLog log) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // The flags the root pom gives every BoomFS JVM (boom.jvm.flags).
            if (a.startsWith("--add-exports") || a.startsWith("--add-opens") || a.startsWith("-Dchronicle")) {
                cmd.add(a);
            }
        }
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        try {
            return new DatanodeProcess(options, new ProcessBuilder(cmd).start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a datanode JVM: " + e.getMessage(), e);
        }
    }

    private void pump(InputStream in, boolean stdout) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (stdout && line.startsWith("READY ")) {
                        address = line.substring(line.lastIndexOf(' ') + 1);
                    }
                    keep((stdout ? "out: " : "err: ") + line);
                    log.line(LocalTime.now().format(TIME) + " " + line);
                }
            } catch (IOException e) {
                keep("(output lost: " + e + ")");
            } finally {
                log.streamEnded();
            }
        }, "datanode-output-" + process.pid());
        t.setDaemon(true);
        t.start();
    }

    private void keep(String line) {
        synchronized (lines) {
            if (lines.size() >= KEPT_LINES) {
                lines.removeFirst();
            }
            lines.addLast(line);
        }
    }

    public DatanodeServer.Options options() {
        return options;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits until the datanode prints READY; returns the address it listens on.
     *
     * @throws IllegalStateException it exited first (its last line says why) or the time ran out
     */
    public String awaitReady(long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (address == null) {
            if (!process.isAlive()) {
                Pause.millis(100); // let the pump read the last lines: the error is on stderr
                throw new IllegalStateException("datanode " + options.server().id() + " exited with code " + process.exitValue()
                    + " before it was ready: " + lastLine());
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("datanode " + options.server().id() + " was not ready within " + timeoutMs + " ms: "
                    + lastLine());
            }
            Pause.millis(10);
        }
        return address;
    }

    /** The address from its READY line, or null before it. */
    public String address() {
        return address;
    }

    private String lastLine() {
        synchronized (lines) {
            return lines.isEmpty() ? "(no output)" : lines.peekLast();
        }
    }

    /** SIGKILL, and wait until it is gone. */
    public void kill9() {
        process.destroyForcibly();
        waitFor(10_000);
        AeronHost.removeDirectoriesOf(process.pid());
    }

    /** SIGTERM without waiting. */
    public void terminate() {
        // Through the handle: Process.destroy() would also close our ends of its output pipes.
        process.toHandle().destroy();
    }

    /** Waits for the process to exit; returns its exit code, or -1 when it still runs. */
    public int waitFor(long timeoutMs) {
        try {
            if (process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
                return process.exitValue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    /** Its pid and the kept lines of its output. */
    public String dump() {
        StringBuilder sb = new StringBuilder("---- datanode " + options.server().id() + " (pid " + pid() + "):\n");
        synchronized (lines) {
            lines.forEach(l -> sb.append(l).append('\n'));
        }
        return sb.toString();
    }

    /** SIGTERM, then SIGKILL when it has not exited within 10 s. */
    @Override
    public void close() {
        if (process.isAlive()) {
            terminate();
            if (waitFor(10_000) < 0) {
                kill9();
            }
        }
    }
}
