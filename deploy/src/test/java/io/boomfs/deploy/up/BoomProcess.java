package io.boomfs.deploy.up;

import io.boomfs.deploy.Boom;
import io.boomfs.engine.runtime.AeronHost;
import io.boomfs.engine.runtime.FreePorts;
import io.boomfs.paxos.ReplicaProcess;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A {@code boom} command as a process of its own (as {@code ./boom} runs it: this JVM's class
 * path and Aeron/Chronicle flags), for the tests of the commands that run until stopped. Its
 * stdout and stderr lines are kept; {@link #close} kills it and everything it started, also
 * on a failed test.
 */
final class BoomProcess implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new ArrayList<>();

    private BoomProcess(Process process) {
        this.process = process;
        pump(process.getInputStream(), "");
        pump(process.getErrorStream(), "err: ");
    }

    static BoomProcess start(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        cmd.addAll(ReplicaProcess.inheritedJvmFlags());
        cmd.addAll(List.of("-Xmx128m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), Boom.class.getName()));
        cmd.addAll(List.of(args));
        try {
            return new BoomProcess(new ProcessBuilder(cmd).directory(dir.toFile()).start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void pump(java.io.InputStream in, String prefix) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (lines) {
                        lines.add(prefix + line);
                        lines.notifyAll();
                    }
                }
            } catch (IOException e) {
                // The process is gone.
            }
        });
        t.setDaemon(true);
        t.start();
    }

    /** Waits for a line that {@code match} accepts; returns it, or fails showing the output. */
    String await(Predicate<String> match, long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        synchronized (lines) {
            while (true) {
                for (String l : lines) {
                    if (match.test(l)) {
                        return l;
                    }
                }
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    throw new AssertionError("no such line within " + timeoutMs + " ms; the output:\n" + output());
                }
                try {
                    lines.wait(Math.min(left, 200));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted");
                }
            }
        }
    }

    String output() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    Process process() {
        return process;
    }

    /** SIGTERM, as Ctrl-C or a service manager would; returns the exit code, or -1 if it did not exit within {@code timeoutMs}. */
    int terminate(long timeoutMs) throws InterruptedException {
        process.toHandle().destroy();
        return process.waitFor(timeoutMs, TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /** Kills what is left of it and its children, and the media driver directories they could not remove. */
    @Override
    public void close() {
        List<ProcessHandle> all = new ArrayList<>(process.toHandle().descendants().toList());
        all.add(process.toHandle());
        for (ProcessHandle h : all) {
            h.destroyForcibly();
        }
        for (ProcessHandle h : all) {
            h.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(x -> h).join();
            AeronHost.removeDirectoriesOf(h.pid());
        }
    }

    /** Whether any media driver directory of {@code pid} is in /dev/shm. */
    static boolean aeronDirOf(long pid) throws IOException {
        Path shm = Path.of("/dev/shm");
        if (!Files.isDirectory(shm)) {
            return false;
        }
        try (var s = Files.list(shm)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith("boomfs-aeron-" + pid + "-"));
        }
    }

    /** A topology of {@code replicas} replicas (allowNonHA when not 3) and {@code datanodes} datanodes on free ports under {@code dir}. */
    static Path topology(Path dir, int replicas, int datanodes) throws IOException {
        return topology(dir, 1, replicas, datanodes);
    }

    /** As {@link #topology(Path, int, int)}, with {@code groups} shard groups (g1, g2, ...; replicas m1, m2, ... in order). */
    static Path topology(Path dir, int groups, int replicas, int datanodes) throws IOException {
        StringBuilder sb = new StringBuilder("cluster: t\nallowNonHA: " + (replicas != 3) + "\nlogDir: " + dir.resolve("logs") + "\n");
        // Election timeouts well above the lease: a leadership transfer's target (which waits out the lease) wins even when
        // the machine is slow.
        sb.append("timing: {datanodeHeartbeatMs: 300, electionMinMs: 1000, electionMaxMs: 1500}\ngroups:\n");
        int m = 0;
        for (int g = 1; g <= groups; g++) {
            sb.append("  - id: g").append(g).append("\n    replicas:\n");
            for (int i = 1; i <= replicas; i++) {
                m++;
                sb.append(String.format("      - {id: m%d, host: 127.0.0.1, port: %d, metricsPort: %d, dataDir: %s}%n", m, FreePorts.loopback(),
                    FreePorts.loopback(), dir.resolve("m" + m)));
            }
        }
        sb.append("datanodes:\n");
        for (int i = 1; i <= datanodes; i++) {
            sb.append(String.format("  - {id: dn%d, host: 127.0.0.1, port: %d, controlPort: %d, metricsPort: %d, dataDir: %s, capacity: 1G}%n",
                i, FreePorts.loopback(), FreePorts.loopback(), FreePorts.loopback(), dir.resolve("dn" + i)));
        }
        Path file = dir.resolve("t.yaml");
        Files.writeString(file, sb.toString());
        return file;
    }
}
