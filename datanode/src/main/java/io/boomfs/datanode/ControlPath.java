package io.boomfs.datanode;

import io.boomfs.engine.Tuple;
import io.boomfs.engine.lang.Compiler;
import io.boomfs.engine.lang.Diagnostic;
import io.boomfs.engine.lang.Functions;
import io.boomfs.engine.lang.Type;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.runtime.AeronHost;
import io.boomfs.engine.runtime.DurableStore;
import io.boomfs.engine.runtime.ClusterKey;
import io.boomfs.engine.runtime.NodeServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * A datanode's control path to the metadata shards (metadata-shard/DESIGN.md, "Datanode
 * messages"): {@code datanode.olg} on a node of the engine's runtime, over Aeron, whose address
 * is the datanode's Aeron endpoint ({@code --node}). The rules send heartbeats, chunk changes and
 * full reports to every replica of {@code --meta}; this class is the glue: it loads the
 * configuration and the chunk list, turns every change of the {@link ChunkStore} into a
 * {@code dn_store_change} tuple (with the disk's figures), and hands the shard's {@code dn_copy}
 * and {@code dn_delete} to {@link ChunkCommands}.
 *
 * <p>{@link #program()} and {@link #compile} also serve the other side: a program that imports
 * {@code "dn_messages.olg"} gets the declarations of this module's resource, so the relation
 * fingerprints match ({@link #messagesText()} is the text, for a shard that includes it).
 */
public final class ControlPath implements AutoCloseable {
    /** Where this module's Overlog files are on the class path. */
    public static final String RESOURCE_DIR = "/io/boomfs/datanode/";
    /** The message declarations both sides compile, in {@link #RESOURCE_DIR}. */
    public static final String MESSAGES_FILE = "dn_messages.olg";
    /** Where the resources appear to the compiler; no real file lives there. */
    private static final Path VIRTUAL_DIR = Path.of("/boomfs-classpath/io/boomfs/datanode").toAbsolutePath();
    private static final String HOST_PORT = "[^:\\s,=]+:\\d{1,5}";

    /**
     * The control path's options, checked once.
     *
     * @param node        this datanode's Aeron endpoint, HOST:PORT: its address (Dn) in every message
     * @param meta        every replica of every shard group it reports to, HOST:PORT each
     * @param heartbeatMs how often it sends dn_hb
     * @param reportMs    how often it sends a full report (one also goes out at start)
     * @param aeronDir    the directory of a media driver this host's processes share, or null
     *                    for a driver of this process's own
     * @param clusterKey  the cluster key file, read and checked at the start: heartbeats and reports
     *                    are signed, and the replicas' commands accepted only when signed; null
     *                    for no membership auth
     */
    public record Config(String node, List<String> meta, long heartbeatMs, long reportMs, String aeronDir, List<Integer> groupOf,
                         long vparts, Path clusterKey) {
        public static final long DEFAULT_HEARTBEAT_MS = 1_000;
        public static final long DEFAULT_REPORT_MS = 60_000;
        /** A day: a longer period is a mistake. */
        public static final long MAX_PERIOD_MS = 86_400_000;

        /** The cluster's vparts when the caller does not say (the topology's default). */
        public static final long DEFAULT_VPARTS = 256;

        /** One shard group of {@code meta}, 256 vparts. */
        public Config(String node, List<String> meta, long heartbeatMs, long reportMs, String aeronDir) {
            this(node, meta, heartbeatMs, reportMs, aeronDir, java.util.Collections.nCopies(meta.size(), 0), DEFAULT_VPARTS, null);
        }

        public Config {
            meta = List.copyOf(meta);
            groupOf = List.copyOf(groupOf);
            if (groupOf.size() != meta.size()) {
                throw new IllegalArgumentException("a group for each of the " + meta.size() + " replicas of --meta, not " + groupOf.size());
            }
            for (int i = 0; i < groupOf.size(); i++) {
                if (groupOf.get(i) < 0 || i > 0 && groupOf.get(i) < groupOf.get(i - 1) || groupOf.get(i) > (i == 0 ? 0 : groupOf.get(i - 1) + 1)) {
                    throw new IllegalArgumentException("--meta lists the groups in order, each once: " + groupOf);
                }
            }
            if (vparts < 1 || vparts > 1 << 20) {
                throw new IllegalArgumentException("--vparts must be 1..1048576, not " + vparts);
            }
            String why = checkAddress(node);
            if (why != null) {
                throw new IllegalArgumentException("--node must be HOST:PORT (this datanode's Aeron endpoint), not " + node + ": " + why);
            }
            if (meta.isEmpty()) {
                throw new IllegalArgumentException("--meta lists at least one replica");
            }
            for (String m : meta) {
                String bad = checkAddress(m);
                if (bad != null) {
                    throw new IllegalArgumentException("--meta: " + m + " is not a HOST:PORT: " + bad);
                }
            }
            if (new HashSet<>(meta).size() != meta.size()) {
                throw new IllegalArgumentException("--meta lists a replica twice: " + String.join(",", meta));
            }
            if (meta.contains(node)) {
                throw new IllegalArgumentException("--meta lists this datanode's own --node " + node);
            }
            checkPeriod("--heartbeat-ms", heartbeatMs);
            checkPeriod("--report-ms", reportMs);
            if (aeronDir != null && aeronDir.isBlank()) {
                throw new IllegalArgumentException("--aeron-dir needs a directory");
            }
        }

        /** The defaults: a heartbeat a second, a full report a minute, a media driver of its own. */
        public static Config of(String node, List<String> meta) {
            return new Config(node, meta, DEFAULT_HEARTBEAT_MS, DEFAULT_REPORT_MS, null);
        }

        public Config withPeriods(long hbMs, long repMs) {
            return new Config(node, meta, hbMs, repMs, aeronDir, groupOf, vparts, clusterKey);
        }

        public Config withAeronDir(String dir) {
            return new Config(node, meta, heartbeatMs, reportMs, dir, groupOf, vparts, clusterKey);
        }

        /** This configuration with a cluster key file (null: no membership auth). */
        public Config withClusterKey(Path file) {
            return new Config(node, meta, heartbeatMs, reportMs, aeronDir, groupOf, vparts, file);
        }

        /** {@code --meta}'s value: each group's replicas joined by commas, the groups by semicolons. */
        public String metaArg() {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < meta.size(); i++) {
                if (i > 0) {
                    b.append(groupOf.get(i).equals(groupOf.get(i - 1)) ? ',' : ';');
                }
                b.append(meta.get(i));
            }
            return b.toString();
        }

        /** The options that {@link DatanodeServer.Options#parse} turns back into this configuration. */
        public List<String> toArgs() {
            List<String> a = new ArrayList<>(List.of("--node", node, "--meta", metaArg(), "--vparts", Long.toString(vparts),
                "--heartbeat-ms", Long.toString(heartbeatMs), "--report-ms", Long.toString(reportMs)));
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

        /** Why {@code a} is not a HOST:PORT with a port 1..65535, or null when it is one. */
        static String checkAddress(String a) {
            if (a == null || !a.matches(HOST_PORT)) {
                return "expected host:port";
            }
            int port = Integer.parseInt(a.substring(a.lastIndexOf(':') + 1));
            return port >= 1 && port <= 65535 ? null : "the port must be 1..65535";
        }

        private static void checkPeriod(String option, long ms) {
            if (ms < 1 || ms > MAX_PERIOD_MS) {
                throw new IllegalArgumentException(option + " must be 1.." + MAX_PERIOD_MS + ", not " + ms);
            }
        }
    }

    /** Compiled once per JVM. */
    private static final class ProgramHolder {
        static final Program PROGRAM = compile("datanode.olg", resourceText("datanode.olg"));
    }

    private final Config config;
    private final NodeServer node;
    private final ChunkStore store;
    private final ChunkCommands commands;
    private final Consumer<String> log;
    private final AtomicLong seq = new AtomicLong();
    private final AtomicLong injectDropped = new AtomicLong();

    private ControlPath(Config config, NodeServer node, ChunkStore store, ChunkCommands commands, Consumer<String> log) {
        this.config = config;
        this.node = node;
        this.store = store;
        this.commands = commands;
        this.log = log;
    }

    /** The datanode's program: datanode.olg with dn_messages.olg. */
    public static Program program() {
        return ProgramHolder.PROGRAM;
    }

    /** The text of dn_messages.olg: the six message declarations, for a program that includes them. */
    public static String messagesText() {
        return resourceText(MESSAGES_FILE);
    }

    /**
     * Compiles {@code source} ({@code name} is how diagnostics name it) with {@link #functions()};
     * its {@code import "dn_messages.olg".} (and any import of this module's resources) is read
     * from the class path.
     *
     * @throws IllegalStateException the program has errors (each on a line of the message)
     */
    public static Program compile(String name, String source) {
        Compiler.Result r = Compiler.compileSource(VIRTUAL_DIR.resolve(name).toString(), source, functions(), path -> {
            Path p = path.toAbsolutePath().normalize();
            return p.startsWith(VIRTUAL_DIR) ? readResource(VIRTUAL_DIR.relativize(p).toString().replace('\\', '/')) : null;
        });
        if (!r.ok()) {
            throw new IllegalStateException(name + " does not compile:\n" + r.errors().stream().map(Diagnostic::toString)
                .collect(Collectors.joining("\n")));
        }
        return r.program();
    }

    /**
     * The functions datanode.olg calls besides the built-ins: {@code sublist(List, From, To)},
     * the elements From (inclusive) to To (exclusive) of a list, the bounds cut to the list:
     * how a round's chunk list is cut into report pages; {@code nth(List, I)}, element I or
     * null: how a map's moves are taken apart; and {@code vpart(Chunk, Vparts)}, the chunk id's
     * vpart (its bits above 40, as the shard's ids are made), within 0..Vparts-1.
     */
    public static Functions functions() {
        return new Functions().register("sublist", Type.ANY, (args, nowMs) -> {
            if (!(args[0] instanceof List<?> list)) {
                return null;
            }
            int from = (int) Math.max(0, Math.min(list.size(), (Long) args[1]));
            int to = (int) Math.max(from, Math.min(list.size(), (Long) args[2]));
            return List.copyOf(list.subList(from, to));
        }, Type.ANY, Type.LONG, Type.LONG).register("nth", Type.ANY, (args, nowMs) ->
            args[0] instanceof List<?> list && args[1] instanceof Long i && i >= 0 && i < list.size() ? list.get((int) (long) i) : null,
            Type.ANY, Type.LONG).register("vpart", Type.LONG, (args, nowMs) ->
            args[0] instanceof Long c && args[1] instanceof Long n && n > 0 ? Math.floorMod(c >>> 40, n) : null,
            Type.LONG, Type.LONG).pure("vpart");
    }

    /**
     * Starts the control path of the datanode whose chunks are in {@code store}: the node on
     * {@code cfg.node()} with the store's chunks, then the store's listener. Call it before the
     * data server starts (nothing may change the store in between), and {@link #serving} once
     * it listens: heartbeats begin then.
     *
     * @param host   an Aeron host shared with other nodes of this process, or null for one of
     *               its own (the external driver of {@code cfg.aeronDir()}, or an embedded one)
     * @param client the timeouts of the copies' pipelines
     * @throws io.boomfs.engine.runtime.AeronTransport.EndpointException the endpoint cannot be bound
     * @throws IllegalStateException no media driver runs in {@code cfg.aeronDir()}
     * @throws ClusterKey.KeyFileException the cluster key file is missing, readable by others, or not a key
     */
    public static ControlPath start(Config cfg, ChunkStore store, DataClient.Config client, AeronHost host, Consumer<String> log) {
        ClusterKey key = cfg.clusterKey() == null ? null : ClusterKey.load(cfg.clusterKey());
        List<Tuple> facts = new ArrayList<>();
        for (int i = 0; i < cfg.meta().size(); i++) {
            facts.add(new Tuple("dn_member", (long) cfg.groupOf().get(i), cfg.meta().get(i)));
        }
        facts.add(new Tuple("dn_config", "vparts", cfg.vparts()));
        facts.add(new Tuple("dn_config", "heartbeat_ms", cfg.heartbeatMs()));
        facts.add(new Tuple("dn_config", "report_ms", cfg.reportMs()));
        List<ChunkStore.ChunkInfo> chunks = store.list();
        for (ChunkStore.ChunkInfo c : chunks) {
            facts.add(new Tuple("dn_chunk", c.chunkId(), c.length()));
        }
        facts.add(new Tuple("dn_disk", store.capacityBytes(), store.usedBytes(), (long) chunks.size()));
        Map<String, String> peers = new LinkedHashMap<>();
        for (String r : cfg.meta()) {
            peers.put(r, r);
        }
        NodeServer.Config nc = new NodeServer.Config(null, cfg.node(), cfg.node(), peers, null, null, DurableStore.Durability.ASYNC,
            cfg.aeronDir(), List.of(), 0, 65_536, false).withClusterKey(key);
        NodeServer node = NodeServer.start(program(), nc, facts, host, System.out, log);
        // A datanode that must see tokens gives itself one for the copies the shard asks of it.
        ChunkCommands commands = new ChunkCommands(store, client, key == null ? null : ChunkToken.deriveKey(key.bytes()), log);
        ControlPath cp = new ControlPath(cfg, node, store, commands, log);
        node.agent().subscribe("dn_copy", c -> commands.copy(c.tuple()));
        node.agent().subscribe("dn_delete", c -> commands.delete(c.tuple()));
        store.listen(cp::changed);
        return cp;
    }

    /** The store changed (under its lock, so in the store's order): tell the rules. */
    private void changed(long chunkId, long length, long usedBytes, long soundChunks) {
        inject(new Tuple("dn_store_change", seq.incrementAndGet(), chunkId, length));
        inject(new Tuple("dn_disk", store.capacityBytes(), usedBytes, soundChunks));
    }

    private void inject(Tuple t) {
        // The queue holds 65,536 tuples and the node drains it every duty cycle: full means the
        // node is stuck, and the next full report corrects what the shard missed.
        if (!node.agent().inject(t) && injectDropped.incrementAndGet() % 10_000 == 1) {
            log.accept("control path: the node's input queue is full; dropped " + injectDropped.get() + " store change(s) so far");
        }
    }

    /** The data server listens at {@code dataAddr} ("host:port"): heartbeats begin. */
    public void serving(String dataAddr) {
        inject(new Tuple("dn_data_addr", dataAddr));
    }

    public Config config() {
        return config;
    }

    /** This datanode's address on the control path (Dn): its Aeron endpoint. */
    public String address() {
        return config.node();
    }

    /** The node underneath (reads of its relations, metrics). */
    public NodeServer node() {
        return node;
    }

    /**
     * Why the control path stopped, or null while it runs: a rule failed, or the Aeron client
     * closed (its media driver timed it out, or went away). Either way the shards no longer
     * hear this datanode, so its process stops with this as its error, for a supervisor to
     * restart it.
     */
    public String failure() {
        String f = node.agent().failure();
        if (f == null && node.host().aeron().isClosed()) {
            f = "the control path lost Aeron: the client closed (its media driver in " + node.host().directory()
                + " timed it out or went away)";
        }
        return f;
    }

    /** One line of counters: the node's and the commands'. */
    public String describeMetrics() {
        return node.agent().describeMetrics() + "; " + commands.describe() + ", store changes dropped " + injectDropped.get();
    }

    /** Stops hearing the store, then the commands (copies in progress are abandoned), then the node. */
    @Override
    public void close() {
        store.listen(null);
        commands.close();
        node.close();
    }

    static String resourceText(String fileName) {
        String text = readResource(fileName);
        if (text == null) {
            throw new IllegalStateException("no resource " + RESOURCE_DIR + fileName + " on the class path");
        }
        return text;
    }

    private static String readResource(String relative) {
        try (InputStream in = ControlPath.class.getResourceAsStream(RESOURCE_DIR + relative)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
