package io.boomfs.engine.runtime;

import io.boomfs.engine.NodeOptions;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.lang.Compiler;
import io.boomfs.engine.lang.Diagnostic;
import io.boomfs.engine.program.Program;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SystemEpochClock;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One node running on its own thread: program, facts, recovered durable state, Aeron endpoint,
 * write-ahead log and {@link NodeAgent}. What {@code boom olg serve} runs, and what tests and
 * benchmarks start in-process (several servers may share one {@link AeronHost}).
 */
public final class NodeServer implements AutoCloseable {
    /**
     * @param name          the node's Overlog address (what rules send to)
     * @param endpoint      the UDP endpoint it listens on, HOST:PORT
     * @param peers         other nodes' names to endpoints (a name may be its own endpoint)
     * @param factsDir      facts to load at start, or null
     * @param dataDir       the log and snapshots, or null for a node without durable state
     * @param aeronDir      an external media driver's directory, or null for an embedded one
     * @param print         relations whose changes are printed to stdout as {@code +t} / {@code -t}
     * @param snapshotEvery excerpts between snapshots (0: never)
     * @param lowLatency    spin and yield longer before parking when idle (benchmarks)
     * @param maxGroupSteps at most this many consecutive steps share one append and one msync
     *                      (NodeAgent; default {@link NodeAgent#DEFAULT_MAX_GROUP_STEPS})
     * @param snapshotOn    an event relation after whose steps the durable tables are
     *                      snapshotted, or null (NodeAgent)
     * @param clusterKey    the cluster key: the node is a member that signs its frames and
     *                      accepts only members' (and open relations, {@link FrameAuth}); null
     *                      for no membership auth
     */
    public record Config(Path programFile, String name, String endpoint, Map<String, String> peers, Path factsDir,
                         Path dataDir, DurableStore.Durability durability, String aeronDir, List<String> print,
                         long snapshotEvery, int injectCapacity, boolean lowLatency, int maxGroupSteps, String snapshotOn,
                         ClusterKey clusterKey) {

        public static final String USAGE = "usage: serve FILE --addr [NAME=]HOST:PORT [--peers [NAME=]HOST:PORT,...] [--facts DIR]"
            + " [--data DIR] [--durability sync|async] [--aeron-dir DIR] [--print REL,...] [--snapshot-every N]"
            + " [--snapshot-on EVENT] [--group-steps N] [--cluster-key FILE] [--low-latency]";

        /** A configuration with the default group size and no snapshot trigger. */
        public Config(Path programFile, String name, String endpoint, Map<String, String> peers, Path factsDir,
                      Path dataDir, DurableStore.Durability durability, String aeronDir, List<String> print,
                      long snapshotEvery, int injectCapacity, boolean lowLatency) {
            this(programFile, name, endpoint, peers, factsDir, dataDir, durability, aeronDir, print, snapshotEvery,
                injectCapacity, lowLatency, NodeAgent.DEFAULT_MAX_GROUP_STEPS, null, null);
        }

        /** This configuration with a cluster key (null: no membership auth). */
        public Config withClusterKey(ClusterKey key) {
            return new Config(programFile, name, endpoint, peers, factsDir, dataDir, durability, aeronDir, print,
                snapshotEvery, injectCapacity, lowLatency, maxGroupSteps, snapshotOn, key);
        }

        /** This configuration with another group size (1: one msync per step with durable changes). */
        public Config withMaxGroupSteps(int steps) {
            return new Config(programFile, name, endpoint, peers, factsDir, dataDir, durability, aeronDir, print,
                snapshotEvery, injectCapacity, lowLatency, steps, snapshotOn, clusterKey);
        }

        /** This configuration with a snapshot after every step in which {@code event} holds a tuple (null: none). */
        public Config withSnapshotOn(String event) {
            return new Config(programFile, name, endpoint, peers, factsDir, dataDir, durability, aeronDir, print,
                snapshotEvery, injectCapacity, lowLatency, maxGroupSteps, event, clusterKey);
        }

        /**
         * Parses serve's arguments; a bad one is an IllegalArgumentException with one line, a
         * cluster key file that cannot be used a {@link ClusterKey.KeyFileException}.
         */
        public static Config parse(String[] args) {
            Path file = null;
            String addr = null;
            Map<String, String> peers = new LinkedHashMap<>();
            Path facts = null;
            Path data = null;
            DurableStore.Durability durability = DurableStore.Durability.SYNC;
            String aeronDir = null;
            List<String> print = new ArrayList<>();
            long snapshotEvery = 100_000;
            String snapshotOn = null;
            int groupSteps = NodeAgent.DEFAULT_MAX_GROUP_STEPS;
            boolean lowLatency = false;
            ClusterKey key = null;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--low-latency")) {
                    lowLatency = true;
                    continue;
                }
                if (a.startsWith("--")) {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(a + " needs a value; " + USAGE);
                    }
                    String v = args[++i];
                    switch (a) {
                        case "--addr" -> addr = v;
                        case "--peers" -> {
                            for (String p : v.split(",")) {
                                if (!p.isBlank()) {
                                    String[] nv = named(p.trim());
                                    peers.put(nv[0], nv[1]);
                                }
                            }
                        }
                        case "--facts" -> facts = Path.of(v);
                        case "--data" -> data = Path.of(v);
                        case "--durability" -> {
                            if (!v.equals("sync") && !v.equals("async")) {
                                throw new IllegalArgumentException("--durability is sync or async, not " + v);
                            }
                            durability = v.equals("sync") ? DurableStore.Durability.SYNC : DurableStore.Durability.ASYNC;
                        }
                        case "--aeron-dir" -> aeronDir = v;
                        case "--print" -> print.addAll(List.of(v.split(",")));
                        case "--snapshot-every" -> snapshotEvery = Long.parseLong(v);
                        case "--snapshot-on" -> snapshotOn = v;
                        case "--cluster-key" -> key = ClusterKey.load(Path.of(v));
                        case "--group-steps" -> {
                            groupSteps = Integer.parseInt(v);
                            if (groupSteps < 1) {
                                throw new IllegalArgumentException("--group-steps is at least 1, not " + v);
                            }
                        }
                        default -> throw new IllegalArgumentException("unknown option " + a + "; " + USAGE);
                    }
                } else if (file == null) {
                    file = Path.of(a);
                } else {
                    throw new IllegalArgumentException("unexpected argument " + a + "; " + USAGE);
                }
            }
            if (file == null || addr == null) {
                throw new IllegalArgumentException(USAGE);
            }
            String[] nv = named(addr);
            return new Config(file, nv[0], nv[1], peers, facts, data, durability, aeronDir, print, snapshotEvery, 65_536, lowLatency,
                groupSteps, snapshotOn, key);
        }

        /** "NAME=HOST:PORT" or "HOST:PORT" (then the name is the endpoint). */
        private static String[] named(String s) {
            int eq = s.indexOf('=');
            String name = eq < 0 ? s : s.substring(0, eq);
            String ep = eq < 0 ? s : s.substring(eq + 1);
            if (!ep.matches("[^:\\s]+:\\d{1,5}")) {
                throw new IllegalArgumentException("not a HOST:PORT: " + ep);
            }
            return new String[] {name, ep};
        }
    }

    private final AeronHost host;
    private final boolean ownsHost;
    private final NodeAgent agent;
    private final AgentRunner runner;

    private NodeServer(AeronHost host, boolean ownsHost, NodeAgent agent, AgentRunner runner) {
        this.host = host;
        this.ownsHost = ownsHost;
        this.agent = agent;
        this.runner = runner;
    }

    /** Compiles the program file; a program with errors is an IllegalArgumentException listing them. */
    public static Program compile(Path file) {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("cannot read program " + file);
        }
        Compiler.Result r = Compiler.compileFile(file);
        if (!r.ok()) {
            StringBuilder sb = new StringBuilder();
            for (Diagnostic d : r.errors()) {
                // One line per error: the diagnostic's hint joins its line.
                sb.append(sb.length() == 0 ? "" : "\n").append(d.toString().replaceAll("\\s*\n\\s*", "; "));
            }
            throw new IllegalArgumentException(sb.toString());
        }
        return r.program();
    }

    /**
     * Starts a node. {@code host} may be shared with other nodes of this process; when null, the
     * node gets its own (an embedded driver, or the external one of {@code cfg.aeronDir()}).
     */
    public static NodeServer start(Program program, Config cfg, AeronHost host, PrintStream out, Consumer<String> log) {
        return start(program, cfg, List.of(), host, out, log);
    }

    /**
     * Starts a node as {@link #start(Program, Config, AeronHost, PrintStream, Consumer)} does, with
     * {@code facts} loaded after those of the facts directory: for a host that builds a node's
     * configuration in Java (a replica's group, its seed and settings). Like every fact, they are
     * loaded before the durable state recovered from the log, which wins for a keyed table.
     */
    public static NodeServer start(Program program, Config cfg, List<Tuple> facts, AeronHost host, PrintStream out,
                                   Consumer<String> log) {
        boolean owns = host == null;
        if (owns) {
            host = cfg.aeronDir() != null ? AeronHost.external(cfg.aeronDir(), log) : AeronHost.embedded(log, cfg.lowLatency());
        }
        AeronTransport transport = null;
        DurableStore store = null;
        try {
            List<Tuple> loaded = new ArrayList<>(cfg.factsDir() == null ? List.of() : CsvFacts.read(program, cfg.factsDir(), cfg.name()));
            loaded.addAll(facts);
            for (String rel : cfg.print()) {
                if (program.relation(rel) == null) {
                    throw new IllegalArgumentException("--print " + rel + ": program " + program.name() + " has no such relation");
                }
            }
            if (cfg.dataDir() != null) {
                store = DurableStore.open(cfg.dataDir(), program, cfg.durability(), log);
            }
            FrameAuth auth = cfg.clusterKey() == null ? null : FrameAuth.forProgram(cfg.clusterKey(), program, System::currentTimeMillis);
            if (auth != null) {
                log.accept(cfg.name() + ": cluster membership auth on (key " + auth.keyFingerprint() + "); accepted without it: "
                    + (auth.open().isEmpty() ? "nothing" : String.join(", ", auth.open())));
            }
            transport = new AeronTransport(host, cfg.name(), cfg.endpoint(), cfg.peers(), new Schemas(program), 4096, log, auth);
            NodeAgent agent = new NodeAgent(program, cfg.name(), NodeOptions.defaults(), transport, store,
                SystemEpochClock.INSTANCE, cfg.injectCapacity(), cfg.snapshotEvery(), log, cfg.maxGroupSteps(), cfg.snapshotOn());
            agent.recover(loaded);
            for (String p : cfg.peers().keySet()) {
                transport.connect(p);
            }
            for (String rel : cfg.print()) {
                agent.subscribe(rel, c -> {
                    out.println((c.insert() ? "+" : "-") + c.tuple());
                    out.flush();
                });
            }
            // Low latency: the node's thread yields and never parks, like the driver's (AeronHost).
            IdleStrategy idle = cfg.lowLatency()
                ? new org.agrona.concurrent.YieldingIdleStrategy()
                : new BackoffIdleStrategy(100, 100, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1));
            ErrorHandler onError = t -> {
                if (!(t instanceof AgentTerminationException)) {
                    log.accept(cfg.name() + ": " + t);
                }
            };
            AgentRunner runner = new AgentRunner(idle, onError, null, agent);
            AgentRunner.startOnThread(runner);
            return new NodeServer(host, owns, agent, runner);
        } catch (RuntimeException e) {
            if (transport != null) {
                transport.close();
            }
            if (store != null) {
                store.close();
            }
            if (owns) {
                host.close();
            }
            throw e;
        }
    }

    public NodeAgent agent() {
        return agent;
    }

    public AeronHost host() {
        return host;
    }

    /** Stops the agent (closing its endpoint and log) and, when it owns it, the Aeron host. */
    @Override
    public void close() {
        runner.close();
        if (ownsHost) {
            host.close();
        }
    }

    /** {@code serve}: runs one node until SIGTERM/Ctrl-C; returns the process exit code. */
    public static int serve(String[] args, PrintStream out, PrintStream err) {
        // Chronicle logs through SLF4J; without a backend SLF4J would print three lines of notice.
        if (System.getProperty("slf4j.internal.verbosity") == null) {
            System.setProperty("slf4j.internal.verbosity", "ERROR");
        }
        Config cfg;
        Program program;
        try {
            cfg = Config.parse(args);
            program = compile(cfg.programFile());
        } catch (ClusterKey.KeyFileException e) {
            err.println("boom olg serve: " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            err.println("boom olg serve: " + e.getMessage());
            return 1;
        }
        Consumer<String> log = line -> {
            err.println(line);
            err.flush();
        };
        NodeServer server;
        try {
            server = start(program, cfg, null, out, log);
        } catch (IllegalArgumentException | IllegalStateException | AeronTransport.EndpointException | DurableStore.StoreException e) {
            err.println("boom olg serve: " + e.getMessage());
            return 1;
        }
        ProcessStop stop = ProcessStop.install("boom-shutdown");
        out.println("READY " + cfg.name() + " " + cfg.endpoint());
        out.flush();
        stop.await(() -> server.agent().failure() != null);
        String failure = server.agent().failure();
        log.accept(server.agent().describeMetrics());
        server.close();
        stop.closed();
        if (failure != null) {
            err.println("boom olg serve: " + failure);
            return 1;
        }
        return 0;
    }

    public static void main(String[] args) {
        int code = serve(args, System.out, System.err);
        if (code != 0) {
            // Not from the shutdown hook: exit only on failure, a clean stop returns normally.
            System.exit(code);
        }
    }
}
