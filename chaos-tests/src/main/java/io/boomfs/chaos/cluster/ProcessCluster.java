package io.boomfs.chaos.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The process backend: every node a process on this host, in a network namespace of its own when
 * this JVM may create them ({@link NamespaceNetwork}: partitions work), else on loopback
 * ({@link LoopbackNetwork}: partitions are unavailable and say why). Node {@code id} logs to
 * {@code <dir>/logs/<id>.log} (every start of it appended) and keeps its data in
 * {@code <dir>/data/<id>}. Everything it started or created goes in {@link #close()}, which a
 * shutdown hook also runs when the JVM is stopped first.
 */
public final class ProcessCluster implements ClusterControl {
    private static final long READY_MS = 60_000;

    private final List<NodeSpec> specs;
    private final Map<String, NodeSpec> byId = new LinkedHashMap<>();
    private final Network network;
    private final Path dir;
    private final LongSupplier clock;
    private final Map<String, NodeOutput> outputs = new LinkedHashMap<>();
    private final Map<String, NodeProcess> running = new LinkedHashMap<>();
    private final Thread hook = new Thread(this::close, "process-cluster-close");
    private boolean closed;

    private ProcessCluster(List<NodeSpec> specs, Network network, Path dir, LongSupplier clock) {
        this.specs = List.copyOf(specs);
        specs.forEach(s -> byId.put(s.id(), s));
        this.network = network;
        this.dir = dir;
        this.clock = clock;
    }

    /**
     * Starts every node and waits until each is ready.
     *
     * @param namespaces use network namespaces when possible (false: loopback, no partitions)
     * @param say        where the one-line notes go (the network chosen, why partitions are off)
     */
    public static ProcessCluster start(List<NodeSpec> specs, Path dir, LongSupplier clock, boolean namespaces, Consumer<String> say) {
        if (specs.stream().map(NodeSpec::id).distinct().count() != specs.size()) {
            throw new IllegalArgumentException("two nodes have one id: " + specs.stream().map(NodeSpec::id).toList());
        }
        String why = namespaces ? NamespaceNetwork.unavailable() : "the cluster runs on loopback (namespaces not asked for)";
        Network net = why == null ? new NamespaceNetwork(specs) : new LoopbackNetwork(specs, why);
        say.accept(why == null ? "cluster: each node in a network namespace of its own, clients on " + net.clientHost()
            : "cluster: every node on loopback; partition nemeses skipped: " + why);
        ProcessCluster c = new ProcessCluster(specs, net, dir, clock);
        Runtime.getRuntime().addShutdownHook(c.hook);
        try {
            specs.forEach(s -> c.launch(s.id()));
            specs.forEach(s -> c.awaitReady(s.id()));
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    @Override
    public List<NodeSpec> nodes() {
        return specs;
    }

    @Override
    public String endpoint(String id) {
        return network.endpoint(spec(id).id());
    }

    @Override
    public List<String> replicaEndpoints() {
        return network.replicas();
    }

    @Override
    public String clientHost() {
        return network.clientHost();
    }

    private NodeSpec spec(String id) {
        NodeSpec s = byId.get(id);
        if (s == null) {
            throw new IllegalArgumentException("no node " + id + " in this cluster (nodes: " + byId.keySet() + ")");
        }
        return s;
    }

    private synchronized void launch(String id) {
        NodeSpec s = spec(id);
        if (running.containsKey(id) && running.get(id).isAlive()) {
            throw new IllegalStateException("node " + id + " is already running");
        }
        Path data = dir.resolve("data").resolve(id);
        try {
            Files.createDirectories(data);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + data + ": " + e.getMessage(), e);
        }
        List<String> cmd = network.wrap(id, s.launcher().command(s, network, data));
        running.put(id, new NodeProcess(id, cmd, outputs.computeIfAbsent(id, k -> NodeLogs.open(dir, k, clock))));
    }

    private void awaitReady(String id) {
        NodeProcess p;
        synchronized (this) {
            p = running.get(id);
        }
        p.awaitReady(READY_MS);
    }

    private synchronized NodeProcess process(String id) {
        spec(id);
        NodeProcess p = running.get(id);
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException("node " + id + " is not running");
        }
        return p;
    }

    @Override
    public void start(String id) {
        launch(id);
        awaitReady(id);
    }

    @Override
    public void stop(String id) {
        process(id).stop();
    }

    @Override
    public void kill(String id) {
        process(id).kill();
    }

    @Override
    public void pause(String id) {
        process(id).signal("STOP");
    }

    @Override
    public void resume(String id) {
        process(id).signal("CONT");
    }

    @Override
    public synchronized boolean isRunning(String id) {
        NodeProcess p = running.get(spec(id).id());
        return p != null && p.isAlive();
    }

    @Override
    public synchronized boolean isPaused(String id) {
        return isRunning(id) && running.get(id).isPaused();
    }

    @Override
    public Optional<String> leader() {
        return leaderAmong(byId.keySet());
    }

    /**
     * {@link #leader()} among {@code ids} only: the leader of one Paxos group of a cluster of
     * several (each group's ballots are its own, so leaders compare only within a group).
     */
    public synchronized Optional<String> leaderAmong(java.util.Collection<String> ids) {
        return running.entrySet().stream()
            .filter(e -> ids.contains(e.getKey()))
            .filter(e -> e.getValue().isAlive() && !e.getValue().isPaused() && e.getValue().leaderBallot() >= 0)
            .max(Comparator.comparingLong(e -> e.getValue().leaderBallot()))
            .map(Map.Entry::getKey);
    }

    @Override
    public String partitionsUnavailable() {
        return network.partitionsUnavailable();
    }

    @Override
    public void partition(List<Set<String>> sides) {
        sides.forEach(side -> side.forEach(this::spec));
        network.partition(sides);
        String note = "partitioned: " + sides;
        synchronized (this) {
            outputs.values().forEach(out -> out.harness(note));
        }
    }

    @Override
    public void heal() {
        network.heal();
        synchronized (this) {
            outputs.values().forEach(out -> out.harness("healed"));
        }
    }

    @Override
    public synchronized Map<String, List<String>> logs() {
        return NodeLogs.read(dir, outputs.keySet());
    }

    /** Stops every node (all at once: each takes a moment), then removes the network. Idempotent. */
    @Override
    public void close() {
        List<NodeProcess> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(running.values());
        }
        try {
            all.parallelStream().forEach(NodeProcess::stop);
        } finally {
            network.close();
            synchronized (this) {
                outputs.values().forEach(NodeOutput::close);
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // The JVM is shutting down: this is the hook running.
            }
        }
    }
}
