package io.boomfs.deploy.group;

import io.boomfs.deploy.CliException;
import io.boomfs.engine.runtime.DurableStore;
import io.boomfs.engine.runtime.SharedDriver;
import io.boomfs.paxos.ReplicaProcess;
import io.boomfs.paxos.ReplicaServer;
import io.boomfs.paxos.kv.KvClient;
import io.boomfs.paxos.kv.KvException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Three replica processes on loopback and a client of theirs, as {@code boom kv-demo},
 * {@code boom kv-bench} and {@code boom bench meta} run them. {@link #close()} stops everything it started (the client, then
 * each replica with SIGTERM) and removes the temporary data directory; it is idempotent, so that a
 * Ctrl-C hook and the normal end may both call it. The replicas also die with this JVM when it
 * is killed (they watch their stdin).
 */
public final class ReplicaGroup implements AutoCloseable {
    /**
     * @param machine      the state machine the replicas run
     * @param dataDir      where the replicas' data directories go; null for a temporary directory removed at the end
     * @param sharedDriver one media driver process for the replicas and the client (one driver
     *                     thread instead of four on the host's cores), rather than one in each
     */
    public record Options(String who, StateMachine machine, int portBase, Path dataDir, boolean sync, boolean lowLatency,
                          boolean sharedDriver) {
    }

    /**
     * What the replicas run: a main class taking {@link ReplicaServer}'s options, the heap and GC
     * of their JVMs, and a write the group must acknowledge before it counts as up.
     */
    public record StateMachine(String mainClass, List<String> jvmOptions, List<Object> probe, List<String> args) {
        /** The replicated key-value store. */
        public static final StateMachine KV = new StateMachine(ReplicaServer.class.getName(), ReplicaProcess.DEFAULT_JVM_OPTIONS,
            List.of("put", "probe", "hello"));

        public StateMachine(String mainClass, List<String> jvmOptions, List<Object> probe) {
            this(mainClass, jvmOptions, probe, List.of());
        }

        /** The same, with options of the main class's own after ReplicaServer's (such as MetaReplica's --groups). */
        public StateMachine withArgs(List<String> more) {
            return new StateMachine(mainClass, jvmOptions, probe, List.copyOf(more));
        }
    }

    /** A replica that was killed. */
    public record Killed(String address, long pid) {
    }

    private static final long READY_MS = 60_000;
    private static final long FIRST_WRITE_MS = 30_000;

    private final Options options;
    private final Path dir;
    private final boolean ownsDir;
    private final Map<String, ReplicaServer.Config> configs = new LinkedHashMap<>();
    private final Map<String, ReplicaProcess> live = new LinkedHashMap<>();
    private final List<ReplicaProcess> started = new ArrayList<>();
    private KvClient client;
    private Process driver;
    private String aeronDir;
    private boolean closed;

    private ReplicaGroup(Options options, Path dir, boolean ownsDir) {
        this.options = options;
        this.dir = dir;
        this.ownsDir = ownsDir;
    }

    /**
     * Starts the group, runs {@code body} with it and stops it, also on Ctrl-C or SIGTERM (a
     * shutdown hook closes it while {@code body} runs).
     */
    public static <T> T run(Options o, Consumer<String> say, Function<ReplicaGroup, T> body) {
        ReplicaGroup group = start(o, say);
        Thread hook = new Thread(() -> {
            say.accept(o.who() + ": interrupted; stopping the replicas");
            group.close();
        }, o.who() + "-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return body.apply(group);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // The JVM is shutting down: the hook is running or has run; nothing to undo.
            }
            group.close();
        }
    }

    /**
     * Starts the replicas, waits until each listens and a first write is acknowledged.
     *
     * @throws CliException a port in use, a replica that does not start, no leader in time
     */
    public static ReplicaGroup start(Options o, Consumer<String> say) {
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            members.add("127.0.0.1:" + (o.portBase() + i));
        }
        for (String m : members) {
            ensureFree(m, o.who());
        }
        Path dir;
        try {
            dir = o.dataDir() != null ? Files.createDirectories(o.dataDir()) : Files.createTempDirectory("boom-" + o.who() + "-");
        } catch (IOException e) {
            throw new CliException("cannot create the data directory " + o.dataDir() + ": " + e.getMessage());
        }
        ReplicaGroup g = new ReplicaGroup(o, dir, o.dataDir() == null);
        try {
            g.boot(members, say);
            return g;
        } catch (RuntimeException e) {
            g.close();
            throw e;
        }
    }

    private void boot(List<String> members, Consumer<String> say) {
        say.accept(options.who() + ": 3 replicas on " + String.join(", ", members) + " (" + (options.sync() ? "sync" : "async")
            + " durability), data in " + dir);
        long t0 = System.nanoTime();
        if (options.sharedDriver()) {
            startDriver();
        }
        for (int i = 0; i < members.size(); i++) {
            String m = members.get(i);
            configs.put(m, ReplicaServer.Config.of(m, members, dir.resolve("replica-" + (i + 1)))
                .withDurability(options.sync() ? DurableStore.Durability.SYNC : DurableStore.Durability.ASYNC)
                .withLowLatency(options.lowLatency()).withSeed(ThreadLocalRandom.current().nextLong())
                .withAeronDir(aeronDir));
            spawn(m);
        }
        for (ReplicaProcess p : live.values()) {
            awaitReady(p);
        }
        long ready = System.nanoTime();
        client = KvClient.builder(members).lowLatency(options.lowLatency()).aeronDir(aeronDir)
            .log(line -> say.accept(options.who() + ": client: " + line)).open();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FIRST_WRITE_MS);
        KvClient.Session probe = client.newSession();
        while (true) {
            try {
                probe.submitAsync(options.machine().probe()).join();
                break;
            } catch (CompletionException e) {
                if (!(e.getCause() instanceof KvException.Timeout) || System.nanoTime() > deadline) {
                    throw new CliException("no leader was elected within " + FIRST_WRITE_MS / 1000 + " s: " + e.getCause().getMessage());
                }
            }
        }
        long elected = System.nanoTime();
        say.accept(String.format("%s: replicas ready in %.1f s; leader %s, first write acknowledged %.1f s later", options.who(),
            (ready - t0) / 1e9, client.leader(), (elected - ready) / 1e9));
    }

    /** Starts the shared media driver process and waits until it runs. */
    private void startDriver() {
        String base = Files.isDirectory(Path.of("/dev/shm")) ? "/dev/shm" : System.getProperty("java.io.tmpdir");
        String d = base + "/boomfs-shared-" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime());
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ReplicaProcess.inheritedJvmFlags());
        cmd.addAll(List.of("-Xms32m", "-Xmx128m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
            SharedDriver.class.getName(), d, "--exit-on-stdin-close"));
        if (options.lowLatency()) {
            cmd.add("--low-latency");
        }
        try {
            driver = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(driver.getInputStream(),
                java.nio.charset.StandardCharsets.UTF_8)).readLine();
            if (line == null || !line.startsWith("READY ")) {
                throw new CliException("the shared media driver did not start: " + line);
            }
        } catch (IOException e) {
            throw new CliException("cannot start the shared media driver: " + e.getMessage());
        }
        aeronDir = d;
    }

    private void spawn(String address) {
        ReplicaServer.Config c = configs.get(address);
        List<String> args = new ArrayList<>(c.withExitOnStdinClose(true).toArgs());
        args.addAll(options.machine().args());
        // With -Dboomfs.childlogs=DIR (a profiling aid, e.g. beside -Dboomfs.profile,
        // -Dboomfs.slowstep.ms or `watch`), each
        // replica's output goes to DIR/<address>.log; it is dropped otherwise.
        String logs = System.getProperty("boomfs.childlogs");
        io.boomfs.engine.runtime.ChildLog log = logs == null ? io.boomfs.engine.runtime.ChildLog.NONE
            : io.boomfs.engine.runtime.ChildLog.open(java.nio.file.Path.of(logs, address.replace(':', '_') + ".log"));
        ReplicaProcess p = ReplicaProcess.start(c, options.machine().jvmOptions(), options.machine().mainClass(), args, log);
        started.add(p);
        live.put(address, p);
    }

    private void awaitReady(ReplicaProcess p) {
        try {
            p.awaitReady(READY_MS);
        } catch (IllegalStateException e) {
            throw new CliException(e.getMessage());
        }
    }

    private static void ensureFree(String endpoint, String who) {
        int port = Integer.parseInt(endpoint.substring(endpoint.indexOf(':') + 1));
        try (DatagramSocket s = new DatagramSocket(port, InetAddress.getLoopbackAddress())) {
            s.getLocalPort();
        } catch (SocketException e) {
            throw new CliException("UDP port " + port + " on 127.0.0.1 is in use; choose another --port-base (" + who
                + " uses it and the next two)");
        }
    }

    public KvClient client() {
        return client;
    }

    /** The pids of the live replicas by address, and of the shared media driver under "driver" (when there is one). */
    public synchronized Map<String, Long> pids() {
        Map<String, Long> pids = new LinkedHashMap<>();
        live.forEach((address, p) -> pids.put(address, p.pid()));
        if (driver != null) {
            pids.put("driver", driver.pid());
        }
        return pids;
    }

    /** The replicas' addresses. */
    public List<String> members() {
        return List.copyOf(configs.keySet());
    }

    /** Kills the replica the client believes leads, with SIGKILL. */
    public synchronized Killed killLeader() {
        String leader = client.leader();
        ReplicaProcess p = leader == null ? null : live.remove(leader);
        if (p == null) {
            throw new CliException("no live leader is known to kill (the client believes in " + leader + ")");
        }
        p.kill9();
        return new Killed(leader, p.pid());
    }

    /** Starts a killed replica again on its data directory and waits until it listens. */
    public synchronized void restart(String address) {
        spawn(address);
        awaitReady(live.get(address));
    }

    /** The kept output of every replica process this group started, for an error report. */
    public synchronized String dump() {
        StringBuilder sb = new StringBuilder();
        started.forEach(p -> sb.append(p.dump()));
        return sb.toString();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (client != null) {
            client.close();
        }
        // All at once: each takes a moment to close its log and media driver.
        started.forEach(ReplicaProcess::terminate);
        started.forEach(ReplicaProcess::close);
        if (driver != null) {
            driver.destroy();
            try {
                driver.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (ownsDir) {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }
}
