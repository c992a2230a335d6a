package io.boomfs.paxos;

import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.runtime.AeronHost;
import io.boomfs.engine.runtime.AeronTransport;
import io.boomfs.engine.runtime.ClusterKey;
import io.boomfs.engine.runtime.DurableStore;
import io.boomfs.engine.runtime.NodeServer;
import io.boomfs.engine.runtime.ProcessStop;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One replica of the replicated key-value store: {@code kv.olg} on the Multi-Paxos rules
 * ({@link ReplicatedLog#compileKv()}) running as a node over Aeron on its own UDP endpoint, with
 * its durable tables (the acceptor's promises and accepted values, the group) logged to a
 * Chronicle Queue in its data directory. {@link #main} runs one as a process; {@link #start}
 * runs one in this JVM (tests).
 *
 * <p>A replica's address is its endpoint, {@code HOST:PORT}: what the other replicas and the
 * clients send to, so no name directory is needed. The group ({@code member} facts, ids 1..N in
 * the order of {@code --members}) is the configuration of the first start only: it is loaded
 * when the data directory holds no group yet, and a snapshot makes it durable before the replica
 * says it is ready. Later starts keep the group they recover (membership changes go through the
 * log), and only the election seed and the {@code px_config} settings are loaded again. A
 * replica started with {@code --join} (members empty) knows no group: it waits until the group
 * takes it in with {@code list("px_replace", Old, ItsAddress, NewId)}, then learns the log (or a
 * snapshot) from the leader; it neither campaigns nor votes before.
 *
 * <p>As a process it prints {@code READY <addr>} on stdout once it listens, then
 * {@code ROLE leader <ballot>} and {@code ROLE follower} as its leadership changes. SIGTERM (or,
 * with {@code --exit-on-stdin-close}, the end of its stdin) stops it cleanly. Every error is one
 * line on stderr ({@code replica: error: ...}) with exit code 1.
 */
public final class ReplicaServer implements AutoCloseable {
    public static final String USAGE = "usage: ReplicaServer --id HOST:PORT (--members HOST:PORT,HOST:PORT,... | --join) --data DIR"
        + " [--durability sync|async] [--low-latency] [--seed N] [--set NAME=VALUE]... [--snapshot-every N]"
        + " [--aeron-dir DIR] [--cluster-key FILE] [--exit-on-stdin-close]";
    private static final String HOST_PORT = "[^:\\s,=]+:\\d{1,5}";

    /**
     * A replica's options, validated once.
     *
     * @param id               this replica's address, HOST:PORT (one of {@code members})
     * @param members          the group at its first start, ids 1..N by position; empty for a replica that joins
     * @param seed             the seed of the election timeouts
     * @param settings         {@code px_config} overrides by name
     * @param snapshotEvery    log excerpts between two snapshots of the durable tables taken on the
     *                         step thread, besides the checkpoints' ({@link Snapshots}); 0 (the
     *                         default): only at checkpoints. Taken every 10,000 excerpts, they
     *                         stopped a replica of 300,000 rows for 300-770 ms (encoded and written
     *                         on its step thread), and one such stop cost a leader its leadership
     *                         (bench partition, 2026-12-07)
     * @param exitOnStdinClose stop when stdin ends: a replica started by another JVM dies with it
     * @param aeronDir         the directory of a media driver this host's processes share, or null
     *                         for a driver of this process's own
     * @param clusterKey       the cluster key file ({@code ./boom keygen}), read and checked at the
     *                         start: the replica signs its frames and accepts only members' (and the
     *                         client requests); null for no membership auth
     */
    public record Config(String id, List<String> members, Path dataDir, DurableStore.Durability durability,
                         boolean lowLatency, long seed, Map<String, Long> settings, long snapshotEvery,
                         boolean exitOnStdinClose, String aeronDir, Path clusterKey) {
        public Config {
            members = List.copyOf(members);
            settings = Map.copyOf(settings);
            if (id == null || !id.matches(HOST_PORT)) {
                throw new IllegalArgumentException("--id must be HOST:PORT, not " + id);
            }
            if (members.size() > 255) {
                throw new IllegalArgumentException("--members lists 1 to 255 replicas, not " + members.size());
            }
            for (String m : members) {
                if (!m.matches(HOST_PORT)) {
                    throw new IllegalArgumentException("--members: not a HOST:PORT: " + m);
                }
            }
            if (new TreeSet<>(members).size() != members.size()) {
                throw new IllegalArgumentException("--members lists a replica twice: " + String.join(",", members));
            }
            if (!members.isEmpty() && !members.contains(id)) {
                throw new IllegalArgumentException("--id " + id + " is not one of --members " + String.join(",", members));
            }
            if (dataDir == null) {
                throw new IllegalArgumentException("--data DIR is required: a replica keeps its promises on disk");
            }
            for (Map.Entry<String, Long> e : settings.entrySet()) {
                if (e.getValue() < 0) {
                    throw new IllegalArgumentException("--set " + e.getKey() + " must not be negative, not " + e.getValue());
                }
            }
            if (snapshotEvery < 0) {
                throw new IllegalArgumentException("--snapshot-every must be 0 (never) or more, not " + snapshotEvery);
            }
        }

        /** A replica with the defaults: sync durability, a random seed, no overrides. */
        public static Config of(String id, List<String> members, Path dataDir) {
            return new Config(id, members, dataDir, DurableStore.Durability.SYNC, false, System.nanoTime(), Map.of(),
                0, false, null, null);
        }

        public Config withSettings(Map<String, Long> s) {
            return new Config(id, members, dataDir, durability, lowLatency, seed, s, snapshotEvery, exitOnStdinClose, aeronDir, clusterKey);
        }

        public Config withSeed(long s) {
            return new Config(id, members, dataDir, durability, lowLatency, s, settings, snapshotEvery, exitOnStdinClose, aeronDir, clusterKey);
        }

        public Config withLowLatency(boolean l) {
            return new Config(id, members, dataDir, durability, l, seed, settings, snapshotEvery, exitOnStdinClose, aeronDir, clusterKey);
        }

        public Config withDurability(DurableStore.Durability d) {
            return new Config(id, members, dataDir, d, lowLatency, seed, settings, snapshotEvery, exitOnStdinClose, aeronDir, clusterKey);
        }

        public Config withAeronDir(String dir) {
            return new Config(id, members, dataDir, durability, lowLatency, seed, settings, snapshotEvery, exitOnStdinClose, dir, clusterKey);
        }

        /** This configuration with a cluster key file (null: no membership auth). */
        public Config withClusterKey(Path file) {
            return new Config(id, members, dataDir, durability, lowLatency, seed, settings, snapshotEvery, exitOnStdinClose, aeronDir, file);
        }

        public Config withExitOnStdinClose(boolean e) {
            return new Config(id, members, dataDir, durability, lowLatency, seed, settings, snapshotEvery, e, aeronDir, clusterKey);
        }

        /** The command line that {@link #parse} turns back into this configuration. */
        public List<String> toArgs() {
            List<String> a = new ArrayList<>(List.of("--id", id));
            if (members.isEmpty()) {
                a.add("--join");
            } else {
                a.addAll(List.of("--members", String.join(",", members)));
            }
            a.addAll(List.of("--data", dataDir.toString(), "--durability", durability == DurableStore.Durability.SYNC ? "sync" : "async",
                "--seed", Long.toString(seed), "--snapshot-every", Long.toString(snapshotEvery)));
            if (lowLatency) {
                a.add("--low-latency");
            }
            for (Map.Entry<String, Long> e : new java.util.TreeMap<>(settings).entrySet()) {
                a.add("--set");
                a.add(e.getKey() + "=" + e.getValue());
            }
            if (exitOnStdinClose) {
                a.add("--exit-on-stdin-close");
            }
            if (aeronDir != null) {
                a.add("--aeron-dir");
                a.add(aeronDir);
            }
            if (clusterKey != null) {
                a.add("--cluster-key");
                a.add(clusterKey.toString());
            }
            return a;
        }

        /** Parses the command line; a bad option is an IllegalArgumentException of one line. */
        public static Config parse(String[] args) {
            String id = null;
            List<String> members = null;
            Path data = null;
            DurableStore.Durability durability = DurableStore.Durability.SYNC;
            boolean lowLatency = false;
            boolean exitOnStdinClose = false;
            long seed = System.nanoTime();
            long snapshotEvery = 0;
            Map<String, Long> settings = new LinkedHashMap<>();
            String aeronDir = null;
            Path clusterKey = null;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--low-latency" -> lowLatency = true;
                    case "--exit-on-stdin-close" -> exitOnStdinClose = true;
                    case "--join" -> members = List.of();
                    case "--id", "--members", "--data", "--durability", "--seed", "--set", "--snapshot-every", "--aeron-dir",
                        "--cluster-key" -> {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException(a + " needs a value; " + USAGE);
                        }
                        String v = args[++i];
                        switch (a) {
                            case "--id" -> id = v;
                            case "--members" -> members = List.of(v.split(",", -1));
                            case "--data" -> data = Path.of(v);
                            case "--durability" -> durability = switch (v) {
                                case "sync" -> DurableStore.Durability.SYNC;
                                case "async" -> DurableStore.Durability.ASYNC;
                                default -> throw new IllegalArgumentException("--durability is sync or async, not " + v);
                            };
                            case "--seed" -> seed = number(a, v);
                            case "--snapshot-every" -> snapshotEvery = number(a, v);
                            case "--aeron-dir" -> aeronDir = v;
                            case "--cluster-key" -> clusterKey = Path.of(v);
                            default -> {
                                int eq = v.indexOf('=');
                                if (eq <= 0) {
                                    throw new IllegalArgumentException("--set takes NAME=VALUE, not " + v);
                                }
                                settings.put(v.substring(0, eq), number("--set " + v.substring(0, eq), v.substring(eq + 1)));
                            }
                        }
                    }
                    default -> throw new IllegalArgumentException((a.startsWith("-") ? "unknown option " : "unexpected argument ")
                        + a + "; " + USAGE);
                }
            }
            if (id == null || members == null) {
                throw new IllegalArgumentException((id == null ? "--id" : "--members (or --join)") + " is required; " + USAGE);
            }
            return new Config(id, members, data, durability, lowLatency, seed, settings, snapshotEvery, exitOnStdinClose, aeronDir,
                clusterKey);
        }

        private static long number(String option, String v) {
            try {
                return Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " takes a whole number, not " + v);
            }
        }
    }

    /** Compiled once per JVM: every replica of a process runs the same program. */
    private static final class ProgramHolder {
        static final Program KV = ReplicatedLog.compileKv();
    }

    private final Config config;
    private final NodeServer node;
    private final Snapshots snapshots;

    private ReplicaServer(Config config, NodeServer node, Snapshots snapshots) {
        this.config = config;
        this.node = node;
        this.snapshots = snapshots;
    }

    /** The program every replica runs: the key-value store on the replicated log. */
    public static Program program() {
        return ProgramHolder.KV;
    }

    /**
     * Starts a replica in this JVM. {@code host} may be shared with other nodes of the process;
     * when null the replica gets its own embedded media driver. Returns once the replica listens
     * and its group is durable; {@code out} receives its {@code ROLE} lines.
     *
     * @throws IllegalArgumentException a setting the rules do not have (ReplicatedLog.SETTINGS)
     * @throws AeronTransport.EndpointException the endpoint cannot be bound
     * @throws DurableStore.StoreException the data directory cannot be used
     * @throws ClusterKey.KeyFileException the cluster key file is missing, readable by others, or not a key
     */
    public static ReplicaServer start(Config cfg, AeronHost host, PrintStream out, Consumer<String> log) {
        return start(cfg, program(), host, out, log);
    }

    /**
     * Starts a replica of {@code program}: the Paxos roles with another state machine
     * ({@link ReplicatedLog#compile(String, String, java.util.function.UnaryOperator)}), such as
     * a metadata shard's namespace.
     */
    public static ReplicaServer start(Config cfg, Program program, AeronHost host, PrintStream out, Consumer<String> log) {
        // The key first: a bad key file is the one error line, before anything is opened.
        ClusterKey key = cfg.clusterKey() == null ? null : ClusterKey.load(cfg.clusterKey());
        boolean fresh = !holdsGroup(cfg.dataDir(), program, cfg.durability(), log);
        List<Tuple> facts = new ArrayList<>();
        for (Tuple t : ReplicatedLog.configuration(cfg.members(), cfg.seed(), cfg.settings())) {
            if (fresh || !t.relation().equals("member")) {
                facts.add(t);
            }
        }
        Map<String, String> peers = new LinkedHashMap<>();
        for (String m : cfg.members()) {
            if (!m.equals(cfg.id())) {
                peers.put(m, m);
            }
        }
        NodeServer.Config nc = new NodeServer.Config(null, cfg.id(), cfg.id(), peers, null, cfg.dataDir(), cfg.durability(),
            cfg.aeronDir(), List.of(), cfg.snapshotEvery(), 65_536, cfg.lowLatency())
            .withClusterKey(key);
        NodeServer node = NodeServer.start(program, nc, facts, host, out, log);
        node.agent().syncOnly(ReplicatedLog.SYNC_RELATIONS);
        Snapshots snapshots = new Snapshots(cfg.id(), log);
        try {
            if (fresh) {
                snapshotNow(node).get(30, TimeUnit.SECONDS);
            }
            // The learner truncates the acceptor's log at its checkpoints and asks the host to
            // snapshot the durable tables then, which bounds the write-ahead log. The snapshot runs
            // before the next step, so it holds the checkpoint step's changes.
            node.agent().subscribe("l_checkpoint", c -> snapshots.take(node, (Long) c.tuple().get(0)));
            node.agent().subscribe("p_is_leader", c -> {
                out.println(c.insert() ? "ROLE leader " + c.tuple().get(0) : "ROLE follower");
                out.flush();
            });
        } catch (ExecutionException e) {
            snapshots.close();
            node.close();
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            snapshots.close();
            node.close();
            throw new IllegalStateException("the replica did not write its first snapshot within 30 s");
        } catch (InterruptedException e) {
            snapshots.close();
            node.close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing the first snapshot");
        } catch (RuntimeException e) {
            snapshots.close();
            node.close();
            throw e;
        }
        return new ReplicaServer(cfg, node, snapshots);
    }

    /**
     * Whether the data directory holds a group already (a replica that ran before). Read with a
     * store of its own, closed before the node opens it: the recovered state decides what to
     * load, and the node loads facts before it recovers.
     */
    private static boolean holdsGroup(Path dataDir, Program program, DurableStore.Durability durability, Consumer<String> log) {
        if (!Files.isDirectory(dataDir.resolve("wal"))) {
            return false;
        }
        try (DurableStore store = DurableStore.open(dataDir, program, durability, log)) {
            return store.recover().tuples().stream().anyMatch(t -> t.relation().equals("member"));
        }
    }

    /** Writes a snapshot of every durable table now (between two steps), for an operator who asks for one. */
    public CompletableFuture<Void> snapshotNow() {
        return snapshotNow(node);
    }

    /** Writes a snapshot of every durable table on the node's thread, between two steps. */
    private static CompletableFuture<Void> snapshotNow(NodeServer node) {
        return node.agent().call(n -> {
            node.agent().store().snapshot(n.durableContents());
            return null;
        });
    }

    /**
     * Whether a replica of id {@code myId} may take a snapshot at the checkpoint of log position
     * {@code slot} ({@code checkpointSlots} apart): at every third checkpoint, a replica's turn
     * set by its id, so that the replicas of a group (ids 1, 2, 3 at first) take theirs at
     * different checkpoints (see {@link Snapshots}).
     */
    static boolean snapshotTurn(long slot, long checkpointSlots, long myId) {
        return Math.floorMod(slot / Math.max(1, checkpointSlots), 3L) == Math.floorMod(myId, 3L);
    }

    /**
     * The changes since the last snapshot (of {@code rowsAtLast} rows) that make a checkpoint of
     * a replica's turn take one: half the rows, four times that on the leader (see {@link
     * Snapshots}).
     */
    static long snapshotBound(long rowsAtLast, boolean leading) {
        long half = rowsAtLast / 2;
        return leading ? 4 * half : half;
    }

    /**
     * The snapshots at checkpoints: the durable tables are taken between two steps (a list of
     * the rows, which are never changed in place) and written by a thread of their own
     * ({@link DurableStore#snapshotLater}), so that a replica with a
     * big state keeps stepping (and its leader heartbeating) meanwhile. One at a time: a
     * checkpoint that comes while one is written is left to the next. And only once the log
     * since the last one holds changes for half as many rows as it had: a snapshot of the whole
     * state every checkpoint costs in proportion to the state (a shard of a million files), this
     * keeps its cost a row or two a change while the log to replay stays within that bound.
     *
     * <p>The replicas of a group reach their checkpoints at the same log positions, so they took
     * their snapshots together: three replicas took 300,000 rows on their step threads (146-209
     * ms each) and encoded them (0.7-1.2 s of CPU each) at once, and a 2-core machine starved
     * (bench partition at 100,000 files: a writer's pause of 557 ms). A bound per replica did
     * not part them while the state grew (each checkpoint passed every bound). So each replica
     * takes its turn, every third checkpoint by its id; and the leader, whose step thread every
     * client waits on, waits for four times the changes (its log to replay stays within twice
     * its rows).
     */
    private static final class Snapshots implements AutoCloseable {
        private final String who;
        private final Consumer<String> log;
        private final ExecutorService writer;
        private final AtomicBoolean busy = new AtomicBoolean();
        /** The rows of the last snapshot taken, and the changes appended until then (the step thread's). */
        private long rowsAtLast;
        private long changesAtLast;

        Snapshots(String who, Consumer<String> log) {
            this.who = who;
            this.log = log;
            this.writer = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "snapshot-writer " + who);
                t.setDaemon(true);
                return t;
            });
        }

        /** Whether this checkpoint is the replica's turn and the log since its last snapshot is long enough. */
        private boolean due(OverlogNode n, long slot, long changes) {
            List<Tuple> id = n.contents("px_my_id");
            long every = 0;
            for (Tuple t : n.contents("px_config")) {
                if (t.get(0).equals("checkpoint_slots")) {
                    every = (Long) t.get(1);
                }
            }
            return snapshotTurn(slot, every, id.isEmpty() ? 0 : (Long) id.get(0).get(0))
                && changes - changesAtLast >= snapshotBound(rowsAtLast, n.count("p_is_leader") > 0);
        }

        void take(NodeServer node, long slot) {
            if (!busy.compareAndSet(false, true)) {
                return;
            }
            node.agent().call(n -> {
                DurableStore store = node.agent().store();
                long changes = store.changesAppended();
                if (!due(n, slot, changes)) {
                    return null;
                }
                long taken = System.nanoTime();
                List<Tuple> rows = n.durableContents();
                long takenMs = (System.nanoTime() - taken) / 1_000_000;
                changesAtLast = changes;
                rowsAtLast = rows.size();
                Runnable write = store.snapshotLater(rows);
                return (Runnable) () -> {
                    long t0 = System.nanoTime();
                    write.run();
                    log.accept(String.format("%s: a snapshot of %d rows (taken in %d ms on the step thread) written in %d ms (%s)",
                        who, rows.size(), takenMs, (System.nanoTime() - t0) / 1_000_000, store.lastSnapshotPhases()));
                };
            }).whenComplete((task, e) -> {
                if (e != null || task == null) {
                    busy.set(false);
                    if (e != null) {
                        log.accept(who + ": the snapshot at a checkpoint failed: " + e.getMessage());
                    }
                    return;
                }
                writer.execute(() -> {
                    try {
                        task.run();
                    } catch (RuntimeException x) {
                        log.accept(who + ": the snapshot at a checkpoint failed: " + x.getMessage());
                    } finally {
                        busy.set(false);
                    }
                });
            });
        }

        /** Waits for a snapshot being written (the store must stay open until it is). */
        @Override
        public void close() {
            writer.shutdown();
            try {
                if (!writer.awaitTermination(60, TimeUnit.SECONDS)) {
                    log.accept(who + ": a snapshot still being written after 60 s is abandoned");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public Config config() {
        return config;
    }

    public String address() {
        return config.id();
    }

    /** The node underneath, for the host API (reads of its relations, metrics). */
    public NodeServer node() {
        return node;
    }

    @Override
    public void close() {
        snapshots.close();
        node.close();
    }

    /**
     * Runs one replica until SIGTERM (or the end of stdin, when asked); returns the exit code.
     *
     * @param who how error lines begin ({@code who: error: ...}): the command the user typed
     */
    public static int run(String who, String[] args, InputStream in, PrintStream out, PrintStream err) {
        return run(who, args, ReplicaServer::program, in, out, err);
    }

    /** {@link #run(String, String[], InputStream, PrintStream, PrintStream)} for a replica of {@code program}. */
    public static int run(String who, String[] args, java.util.function.Supplier<Program> program, InputStream in, PrintStream out,
                          PrintStream err) {
        return run(who, args, program, in, out, err, server -> () -> { });
    }

    /**
     * {@link #run(String, String[], java.util.function.Supplier, InputStream, PrintStream, PrintStream)}
     * with {@code attach} called once the replica has started, before it says READY: what its
     * host adds to it (such as an HTTP endpoint for metrics). It returns what stops that, run
     * before the replica closes; an IllegalArgumentException or IllegalStateException it throws
     * is an error line, as a bad option is.
     */
    public static int run(String who, String[] args, java.util.function.Supplier<Program> program, InputStream in, PrintStream out,
                          PrintStream err, java.util.function.Function<ReplicaServer, Runnable> attach) {
        // Chronicle logs through SLF4J; without a backend SLF4J would print three lines of notice.
        if (System.getProperty("slf4j.internal.verbosity") == null) {
            System.setProperty("slf4j.internal.verbosity", "ERROR");
        }
        Consumer<String> log = line -> {
            err.println(line);
            err.flush();
        };
        ReplicaServer server = null;
        Runnable detach;
        try {
            Config cfg = Config.parse(args);
            if (cfg.clusterKey() != null) {
                // Checked before the program compiles (seconds for a shard's): a bad key file is an error at once.
                ClusterKey.load(cfg.clusterKey());
            }
            server = start(cfg, program.get(), null, out, log);
            detach = attach.apply(server);
        } catch (ClusterKey.KeyFileException e) {
            // Exit code 2, as for every configuration the node cannot start with (a usage error).
            err.println(who + ": error: " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException | IllegalStateException | AeronTransport.EndpointException
                 | DurableStore.StoreException e) {
            if (server != null) {
                server.close();
            }
            err.println(who + ": error: " + String.valueOf(e.getMessage()).replaceAll("\\s*\n\\s*", "; "));
            return 1;
        }
        ReplicaServer running = server;
        ProcessStop stop = ProcessStop.install("replica-shutdown");
        if (running.config().exitOnStdinClose()) {
            stop.onEndOf(in, line -> log.accept(who + ": " + line));
        }
        out.println("READY " + running.address());
        out.flush();
        stop.await(() -> running.node().agent().failure() != null);
        String failure = running.node().agent().failure();
        log.accept(running.node().agent().describeMetrics());
        detach.run();
        running.close();
        stop.closed();
        if (failure != null) {
            err.println(who + ": error: " + failure);
            return 1;
        }
        return 0;
    }

    public static void main(String[] args) {
        // Through exit in every case: after the end of stdin no shutdown has begun, and a library
        // thread left behind must not keep the process alive. After SIGTERM, exit only waits for
        // the shutdown hook, which is done once run returns.
        System.exit(run("replica", args, System.in, System.out, System.err));
    }
}
