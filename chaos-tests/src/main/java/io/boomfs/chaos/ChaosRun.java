package io.boomfs.chaos;

import io.boomfs.chaos.check.Failover;
import io.boomfs.chaos.check.LeaderPerBallot;
import io.boomfs.chaos.check.Verdict;
import io.boomfs.chaos.cluster.ClusterControl;
import io.boomfs.chaos.cluster.JvmLaunchers;
import io.boomfs.chaos.cluster.NodeSpec;
import io.boomfs.chaos.cluster.ProcessCluster;
import io.boomfs.chaos.history.Calls;
import io.boomfs.chaos.history.Op;
import io.boomfs.chaos.history.Recorder;
import io.boomfs.chaos.workload.ClientProcess;
import io.boomfs.chaos.workload.KvWorkload;
import io.boomfs.chaos.workload.NamespaceWorkload;
import io.boomfs.chaos.workload.Nemesis;
import io.boomfs.chaos.workload.Workload;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One chaos run, Jepsen style: start a group of three replicas (and datanodes when a nemesis
 * needs them) as processes, run a workload's clients while a seeded schedule of faults plays,
 * heal everything, read the final state back, stop the cluster, check the history, and write
 * the report ({@link Report}). The seed decides the schedule's choices (which nemesis, how long,
 * which random node, the clients' ops); who leads at a given moment is up to the cluster, so a
 * replay draws the same choices, not the same interleaving.
 */
public final class ChaosRun {
    /**
     * @param workload   {@code kv} or {@code namespace}
     * @param threads    client threads
     * @param quietMs    the pause before each fault, at random in [quietMs, 2 * quietMs)
     * @param faultMs    how long a fault lasts, at random in [faultMs, 2 * faultMs)
     * @param opPauseMs  a client thread's pause between its ops, at random in [0, 2 * opPauseMs]
     * @param maxFaults  the run ends after this many faults even before its time (0: no limit)
     * @param namespaces run each node in a network namespace when root (partitions need it)
     */
    public record Options(String workload, List<Nemesis> nemeses, long durationMs, long seed, int threads, long quietMs,
                          long faultMs, long opPauseMs, long deadlineMs, int maxFaults, Path reportRoot, boolean namespaces,
                          Shape shape) {
        public Options {
            nemeses = List.copyOf(nemeses);
            if (!workload.equals("kv") && !workload.equals("namespace")) {
                throw new IllegalArgumentException("workload must be kv or namespace, not " + workload);
            }
            check(durationMs >= 1_000, "the run's time must be at least 1 s, not " + durationMs + " ms");
            check(threads >= 1 && threads <= 1_000, "threads must be 1..1000, not " + threads);
            check(quietMs >= 1 && faultMs >= 1 && deadlineMs >= 1, "quiet, fault and deadline times must be positive");
            check(opPauseMs >= 0 && maxFaults >= 0, "the op pause and the fault count must not be negative");
        }

        private static void check(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }

        /** A short run: 5 threads, 1-2 s between faults, faults of 1-2 s, ops every ~5 ms, 2 s op deadline. */
        public static Options of(String workload, List<Nemesis> nemeses, long durationMs, long seed, Path reportRoot) {
            return new Options(workload, nemeses, durationMs, seed, 5, 1_000, 1_000, 5, 2_000, 0, reportRoot, true, Shape.DEFAULT);
        }

        /** These options with {@code n} client threads, on namespaces (when possible) or loopback. */
        public Options withClients(int n, boolean useNamespaces) {
            return new Options(workload, nemeses, durationMs, seed, n, quietMs, faultMs, opPauseMs, deadlineMs, maxFaults, reportRoot,
                useNamespaces, shape);
        }

        /** These options with the cluster's ids and replica settings from {@code s} (a topology's). */
        public Options withShape(Shape s) {
            return new Options(workload, nemeses, durationMs, seed, threads, quietMs, faultMs, opPauseMs, deadlineMs, maxFaults,
                reportRoot, namespaces, s);
        }

        /** These options with calls whose outcome counts as unknown after {@code ms} without an answer. */
        public Options withDeadlineMs(long ms) {
            return new Options(workload, nemeses, durationMs, seed, threads, quietMs, faultMs, opPauseMs, ms, maxFaults, reportRoot,
                namespaces, shape);
        }

        /** These options with faults every [quietMs, 2 quietMs) lasting [faultMs, 2 faultMs), at most maxFaults of them. */
        public Options withFaults(long quiet, long fault, int max) {
            return new Options(workload, nemeses, durationMs, seed, threads, quiet, fault, opPauseMs, deadlineMs, max, reportRoot,
                namespaces, shape);
        }
    }

    /** A fault as it was played: nemesis, target, start and end (ns since the run started). */
    public record Event(String nemesis, String target, long startNs, long endNs) {
    }

    /** What a run found. */
    public record Result(Path dir, long seed, List<Verdict> verdicts, List<Failover.Figure> failovers, List<Event> events,
                         List<String> skipped, List<Op> history) {
        /** True when every checker said valid. */
        public boolean valid() {
            return verdicts.stream().allMatch(v -> Boolean.TRUE.equals(v.valid()));
        }
    }

    private static final long FIRST_WRITE_MS = 60_000;
    private static final long FINAL_READ_MS = 30_000;

    private final Options o;
    private final Consumer<String> say;
    private final Recorder rec = new Recorder(System.nanoTime());
    private final List<Event> events = new ArrayList<>();
    private final List<String> skipped = new ArrayList<>();

    private ChaosRun(Options o, Consumer<String> say) {
        this.o = o;
        this.say = say;
    }

    /** Runs it; the report is written also when the run fails part way (then the exception follows). */
    public static Result run(Options o, Consumer<String> say) {
        return new ChaosRun(o, say).run();
    }

    private Result run() {
        say.accept("SEED=" + o.seed() + " workload=" + o.workload() + " nemeses=" + o.nemeses().stream().map(Nemesis::label).toList()
            + " time=" + o.durationMs() + "ms threads=" + o.threads() + " quiet=" + o.quietMs() + "ms fault=" + o.faultMs()
            + "ms deadline=" + o.deadlineMs() + "ms");
        Path dir = o.reportRoot().resolve(o.workload() + "-" + java.time.LocalDateTime.now().toString().replace(':', '-')
            .replaceAll("\\.\\d+$", "") + "-" + Long.toHexString(o.seed()));
        boolean datanodes = o.nemeses().stream().anyMatch(Nemesis::needsDatanodes);
        Workload w = o.workload().equals("kv") ? new KvWorkload(5, o.deadlineMs()) : new NamespaceWorkload(3, o.deadlineMs(), datanodes);
        Map<String, Object> finals = Map.of();
        Map<String, List<String>> logs = Map.of();
        long endNs = 0;
        boolean done = false;
        try (ProcessCluster cluster = ProcessCluster.start(specs(w), dir, rec::now, o.namespaces(), say); w) {
            List<Nemesis> enabled = enabled(cluster);
            w.open(cluster, FIRST_WRITE_MS);
            say.accept("cluster up, first write acknowledged at " + rec.now() / 1_000_000 + " ms; running for " + o.durationMs() + " ms");
            endNs = clients(w, () -> schedule(cluster, enabled));
            finals = w.readFinal(rec, FINAL_READ_MS);
            logs = replicaLogs(cluster);
            done = true;
        } finally {
            if (!done) {
                Report.writeHistory(dir, rec.ops());
                say.accept("the run failed part way; history and node logs are in " + dir);
            }
        }
        List<Op> history = rec.ops();
        List<Verdict> verdicts = new ArrayList<>(w.check(history, finals));
        verdicts.add(LeaderPerBallot.check(logs));
        List<Failover.Fault> faults = events.stream().map(e -> new Failover.Fault(e.nemesis(), e.target(), e.startNs())).toList();
        List<Failover.Figure> figures = Failover.figures(faults, Calls.pair(history, Set.of()), endNs);
        Result r = new Result(dir, o.seed(), verdicts, figures, List.copyOf(events), List.copyOf(skipped), history);
        Report.write(r, o, finals);
        if (r.valid()) {
            // The nodes' data matter only to look into a failure (sparse queue files: 100s of MB apparent size).
            Report.deleteTree(dir.resolve("data"));
        }
        say.accept("calls: " + Report.counts(history));
        verdicts.forEach(v -> say.accept(v.line()));
        figures.forEach(f -> say.accept("failover: " + f.line()));
        say.accept((r.valid() ? "VALID" : "INVALID") + "; report in " + dir);
        return r;
    }

    private List<NodeSpec> specs(Workload w) {
        List<NodeSpec> specs = new ArrayList<>();
        Shape shape = o.shape();
        for (String id : shape.replicas()) {
            specs.add(new NodeSpec(id, NodeSpec.Role.REPLICA, JvmLaunchers.replica(w.replicaMainClass(), shape.settings(), o.seed())));
        }
        if (o.nemeses().stream().anyMatch(Nemesis::needsDatanodes)) {
            for (String id : shape.datanodes()) {
                specs.add(new NodeSpec(id, NodeSpec.Role.DATANODE, JvmLaunchers.datanode()));
            }
        }
        return specs;
    }

    /**
     * The cluster's shape: its replicas' and datanodes' ids and the replicas' settings ({@code
     * --set}). By default r1..r3 and d1..d3 with the built-in settings; {@link #of(Topology)} takes
     * them from a topology's first group (addresses stay the harness's own: a network namespace
     * per node, or loopback ports).
     */
    public record Shape(List<String> replicas, List<String> datanodes, Map<String, Long> settings) {
        public static final Shape DEFAULT = new Shape(List.of("r1", "r2", "r3"), List.of("d1", "d2", "d3"), Map.of());

        public Shape {
            replicas = List.copyOf(replicas);
            datanodes = List.copyOf(datanodes);
            settings = Map.copyOf(settings);
        }

        public static Shape of(io.boomfs.deploy.topology.Topology t) {
            io.boomfs.deploy.topology.Topology.Group g = t.groups().get(0);
            if (g.replicas().size() < 3) {
                throw new IllegalArgumentException(t.source() + ": group " + g.id() + " has " + g.replicas().size()
                    + " replicas; the chaos nemeses need 3 or more (a majority that survives a fault)");
            }
            List<String> dns = t.datanodes().stream().map(io.boomfs.deploy.topology.Topology.Datanode::id).toList();
            return new Shape(g.replicas().stream().map(io.boomfs.deploy.topology.Topology.Replica::id).toList(),
                dns.isEmpty() ? DEFAULT.datanodes() : dns, t.replicaSettings());
        }
    }

    /** The nemeses this cluster can play; each one it cannot is skipped with one line saying why. */
    private List<Nemesis> enabled(ClusterControl cluster) {
        List<Nemesis> ok = new ArrayList<>();
        for (Nemesis n : o.nemeses()) {
            if (n.needsPartitions() && cluster.partitionsUnavailable() != null) {
                String why = "skipping " + n.label() + ": " + cluster.partitionsUnavailable();
                say.accept(why);
                skipped.add(why);
            } else {
                ok.add(n);
            }
        }
        return ok;
    }

    /** Runs the client threads while {@code schedule} runs in this thread; returns when they stopped (ns). */
    private long clients(Workload w, Runnable schedule) {
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < o.threads(); t++) {
            int thread = t;
            Random random = new Random(o.seed() * 31 + t);
            Thread th = new Thread(() -> {
                ClientProcess p = new ClientProcess(thread, o.threads());
                while (!stop.get()) {
                    w.step(thread, p, rec, random);
                    pause(o.opPauseMs() == 0 ? 0 : random.nextLong(2 * o.opPauseMs() + 1));
                }
            }, "chaos-client-" + t);
            th.setDaemon(true);
            threads.add(th);
        }
        threads.forEach(Thread::start);
        try {
            schedule.run();
        } finally {
            stop.set(true);
            for (Thread t : threads) {
                join(t);
            }
        }
        return rec.now();
    }

    private void join(Thread t) {
        try {
            t.join(o.deadlineMs() * 3 + 10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            throw new IllegalStateException(t.getName() + " did not stop within " + (o.deadlineMs() * 3 + 10_000) + " ms");
        }
    }

    /**
     * The faults, one at a time (a combined schedule mixes nemeses in turn, never two faults at
     * once: with three replicas, two would leave no majority): quiet, a fault, its end. Every
     * fault is over when this returns.
     */
    private void schedule(ClusterControl cluster, List<Nemesis> enabled) {
        Random random = new Random(o.seed());
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(o.durationMs());
        List<Nemesis> round = new ArrayList<>();
        while (System.nanoTime() < end && (o.maxFaults() == 0 || events.size() < o.maxFaults())) {
            pause(o.quietMs() + random.nextLong(o.quietMs()));
            if (enabled.isEmpty() || System.nanoTime() >= end) {
                continue;
            }
            if (round.isEmpty()) {
                // Rounds of every enabled nemesis in a seeded order: a short run plays each of them.
                round.addAll(enabled);
                java.util.Collections.shuffle(round, random);
            }
            Nemesis n = round.remove(0);
            long hold = o.faultMs() + random.nextLong(o.faultMs());
            long start = rec.now();
            Optional<Nemesis.Active> active = n.start(cluster, random);
            if (active.isEmpty()) {
                say.accept(String.format("%8.3f s %s: no leader known now; skipped this round", start / 1e9, n.label()));
                continue;
            }
            say.accept(String.format("%8.3f s %s %s for %d ms", start / 1e9, n.label(), active.get().target(), hold));
            pause(hold);
            active.get().end().run();
            events.add(new Event(n.label(), active.get().target(), start, rec.now()));
        }
    }

    private static Map<String, List<String>> replicaLogs(ClusterControl cluster) {
        Map<String, List<String>> all = cluster.logs();
        Map<String, List<String>> out = new LinkedHashMap<>();
        cluster.nodes().stream().filter(n -> n.role() == NodeSpec.Role.REPLICA).forEach(n -> out.put(n.id(), all.get(n.id())));
        return out;
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
