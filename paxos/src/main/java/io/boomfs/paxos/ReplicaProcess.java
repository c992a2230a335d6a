package io.boomfs.paxos;

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
 * A {@link ReplicaServer} in a JVM of its own, started with this JVM's {@code java}, its
 * Aeron/Chronicle flags and its class path: what the multi-process tests, {@code boom kv-demo}
 * and the benchmark run. Its stdin stays open and it runs with {@code --exit-on-stdin-close}, so
 * that it dies with this JVM even when this JVM is killed. The last lines of its stdout and
 * stderr are kept for {@link #dump()}, each with the time it arrived here (to line them up with
 * a client's log); {@link #role()} follows its {@code ROLE} lines.
 * Thread-safe.
 */
public final class ReplicaProcess implements AutoCloseable {
    /** Small heaps and one GC thread: three replicas and a client share two cores. */
    public static final List<String> DEFAULT_JVM_OPTIONS = List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC");
    private static final int KEPT_LINES = 2_000;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private final ReplicaServer.Config config;
    private final Process process;
    private final ChildLog log;
    private final Deque<String> out = new ArrayDeque<>();
    private final Deque<String> err = new ArrayDeque<>();
    private volatile boolean ready;
    private volatile String role = "follower";

    private ReplicaProcess(ReplicaServer.Config config, Process process, ChildLog log) {
        this.config = config;
        this.process = process;
        this.log = log;
        pump(process.getInputStream(), out, true);
        pump(process.getErrorStream(), err, false);
    }

    /** Starts a replica with {@code jvmOptions} (heap, GC) before the class name. */
    public static ReplicaProcess start(ReplicaServer.Config config, List<String> jvmOptions) {
        return start(config, jvmOptions, ReplicaServer.class.getName());
    }

    /** Starts a replica whose main class is {@code mainClass} (one taking ReplicaServer's options). */
    public static ReplicaProcess start(ReplicaServer.Config config, List<String> jvmOptions, String mainClass) {
        return start(config, jvmOptions, mainClass, config.withExitOnStdinClose(true).toArgs(), ChildLog.NONE);
    }

    /**
     * Starts {@code mainClass} with {@code args} of its own: a launcher that finds the replica's
     * options elsewhere ({@code boom node --topology T --id ID}), whose arguments must make it
     * stop at the end of its stdin too; {@code config} says what it runs. Every line it prints
     * also goes to {@code log}, with the time it arrived.
     */
    public static ReplicaProcess start(ReplicaServer.Config config, List<String> jvmOptions, String mainClass, List<String> args,
                                       ChildLog log) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(inheritedJvmFlags());
        // Profiling aids, only here (other children's first line must be theirs): -Xlog:gc* of
        // this JVM logs a replica's collections too, to its output (which -Dboomfs.childlogs
        // keeps); -XX:StartFlightRecording records one, "%r" in it naming the replica (JDK 17's
        // JFR expands no %p).
        String me = config.id().replaceAll("[^A-Za-z0-9.-]", "_");
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-Xlog:gc") || a.startsWith("-XX:StartFlightRecording")) {
                cmd.add(a.replace("%r", me));
            }
        }
        cmd.addAll(JIT_FLAGS);
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        try {
            return new ReplicaProcess(config, new ProcessBuilder(cmd).start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a replica JVM: " + e.getMessage(), e);
        }
    }

    /**
     * C2 inlines less in a replica JVM (the caller's options come after and may say otherwise).
     * With the defaults, a workload that reached new paths of the evaluator (cross-shard mkdirs
     * after creates) kept C2 busy for minutes: methods of 60-100 KB of code, 2-4 s each and
     * compiled again after deoptimizations, about 160 s of compile time in one replica JVM over a
     * 90 s run, while six replicas shared two cores. {@code bench scale --groups 2 --sessions 64
     * --phases mkdirs}: 45-195 mkdirs/s with the defaults, 849 with these; create+close of one
     * group 3,240/s at 488 us per op, as with the defaults (3,274-3,436 at 486-516).
     */
    public static final List<String> JIT_FLAGS = List.of("-XX:InlineSmallCode=1000", "-XX:FreqInlineSize=100", "-XX:MaxInlineLevel=6");

    /**
     * The flags of this JVM that Aeron and Chronicle need in every JVM (the root pom's
     * boom.jvm.flags), and the aids a child shares: -Dboomfs.profile*, -Dboomfs.slowstep*,
     * -Dboomfs.group_max_ms (an A/B of NodeAgent's group time limit).
     */
    public static List<String> inheritedJvmFlags() {
        List<String> flags = new ArrayList<>();
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-exports") || a.startsWith("--add-opens") || a.startsWith("-Dchronicle") || a.startsWith("-Dboomfs.profile")
                || a.startsWith("-Dboomfs.slowstep") || a.startsWith("-Dboomfs.group_max_ms")) {
                flags.add(a);
            }
        }
        return flags;
    }

    private void pump(InputStream in, Deque<String> into, boolean stdout) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (stdout) {
                        watch(line);
                    }
                    String timed = LocalTime.now().format(TIME) + " " + line;
                    keep(into, timed);
                    log.line(timed);
                }
            } catch (IOException e) {
                keep(into, "(output lost: " + e + ")");
            } finally {
                log.streamEnded();
            }
        }, "replica-output-" + process.pid());
        t.setDaemon(true);
        t.start();
    }

    private void watch(String line) {
        if (line.startsWith("READY ")) {
            ready = true;
        } else if (line.startsWith("ROLE ")) {
            role = line.substring(5);
        }
    }

    private static void keep(Deque<String> into, String line) {
        synchronized (into) {
            if (into.size() >= KEPT_LINES) {
                into.removeFirst();
            }
            into.addLast(line);
        }
    }

    public ReplicaServer.Config config() {
        return config;
    }

    public String address() {
        return config.id();
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** What the replica last said of itself: {@code "leader <ballot>"} or {@code "follower"}. */
    public String role() {
        return role;
    }

    /**
     * Waits until the replica prints READY.
     *
     * @throws IllegalStateException when it exits first (its last stderr line says why) or the
     *                               time runs out
     */
    public void awaitReady(long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!ready) {
            if (!process.isAlive()) {
                // Let the pump read the last lines: the error is on stderr.
                Pause.millis(100);
                throw new IllegalStateException("replica " + address() + " exited with code " + exitCodeOrMinusOne()
                    + " before it was ready: " + lastErrorLine());
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("replica " + address() + " was not ready within " + timeoutMs + " ms: "
                    + lastErrorLine());
            }
            Pause.millis(10);
        }
    }

    private String lastErrorLine() {
        synchronized (err) {
            return err.isEmpty() ? "(nothing on stderr)" : err.peekLast();
        }
    }

    private int exitCodeOrMinusOne() {
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** SIGKILL, wait until it is gone, and remove the media driver directory it could not remove. */
    public void kill9() {
        process.destroyForcibly();
        waitFor(10_000);
        AeronHost.removeDirectoriesOf(process.pid());
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

    /** Its pid, and the kept lines of its stdout and stderr. */
    public String dump() {
        StringBuilder sb = new StringBuilder();
        sb.append("---- replica ").append(address()).append(" (pid ").append(pid()).append(") stdout:\n");
        synchronized (out) {
            out.forEach(l -> sb.append(l).append('\n'));
        }
        sb.append("---- replica ").append(address()).append(" stderr:\n");
        synchronized (err) {
            err.forEach(l -> sb.append(l).append('\n'));
        }
        return sb.toString();
    }

    /** SIGTERM (a clean stop) without waiting: to stop several replicas at once, then {@link #close} each. */
    public void terminate() {
        // Through the handle: Process.destroy() would also close our ends of its output pipes.
        process.toHandle().destroy();
    }

    /** SIGTERM (a clean stop), then SIGKILL when it has not exited within 10 s. */
    @Override
    public void close() {
        if (process.isAlive()) {
            terminate();
            if (waitFor(10_000) < 0 && process.isAlive()) {
                kill9();
            }
        }
    }
}
