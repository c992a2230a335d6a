package io.boomfs.deploy.topology;

import io.boomfs.paxos.ReplicatedLog;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a topology file into a {@link Topology}, checking everything once, before anything
 * starts (STYLE.md item 14). The YAML is composed into SnakeYAML's node tree with the safe
 * constructor's options (no types from the file, a limit on aliases), never into objects: every
 * node keeps its line and column, so each problem names its place, {@code FILE:LINE:COL: PATH:
 * why}. All problems of a file are reported at once.
 */
public final class TopologyLoader {
    private TopologyLoader() {
    }

    /** Reads and checks a file; its name as given starts every problem line. */
    public static Topology load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TopologyException(List.of(file + ": cannot read the topology file: " + e.getMessage()));
        }
        return parse(file.toString(), text);
    }

    /** Reads and checks {@code text}; {@code name} starts every problem line. */
    public static Topology parse(String name, String text) {
        Fields.Problems problems = new Fields.Problems(name);
        Node root = compose(name, new StringReader(text));
        if (root == null) {
            throw new TopologyException(List.of(name + ": the topology file is empty (it needs at least groups:)"));
        }
        Topology t = read(problems, root, name);
        if (!problems.lines().isEmpty()) {
            throw new TopologyException(problems.lines());
        }
        return t;
    }

    private static Node compose(String name, Reader in) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(10);
        options.setAllowRecursiveKeys(false);
        try {
            return new Yaml(new SafeConstructor(options)).compose(in);
        } catch (MarkedYAMLException e) {
            String where = e.getProblemMark() == null ? name
                : name + ":" + (e.getProblemMark().getLine() + 1) + ":" + (e.getProblemMark().getColumn() + 1);
            String context = e.getContext() == null ? "" : e.getContext() + ": ";
            throw new TopologyException(List.of(where + ": bad YAML: " + context + e.getProblem()));
        } catch (YAMLException e) {
            throw new TopologyException(List.of(name + ": bad YAML: " + e.getMessage().replaceAll("\\s*\n\\s*", "; ")));
        }
    }

    private static Topology read(Fields.Problems problems, Node root, String name) {
        Fields top = new Fields(problems, root, "", Keys.TOP);
        String cluster = top.string("cluster");
        if (!cluster.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            top.problem("cluster", "should be a name of letters, digits, '.', '_' and '-', not \"" + cluster + "\"");
        }
        int vparts = (int) top.number("vparts", 1, 65536);
        String durability = top.string("durability");
        if (!durability.equals("sync") && !durability.equals("async")) {
            top.problem("durability", "should be sync or async, not \"" + durability + "\"");
        }
        long chunkSize = top.size("chunkSize", 1L << 30);
        int replication = (int) top.number("replication", 1, 8);
        boolean allowNonHA = top.bool("allowNonHA");
        String logDir = top.string("logDir", () -> "boom-data/" + cluster + "/logs");
        Map<String, Long> settings = top.numbers("settings");
        settings.keySet().stream().filter(s -> !ReplicatedLog.SETTINGS.contains(s) && !s.startsWith(ReplicatedLog.STATE_MACHINE_SETTING))
            .forEach(s -> top.problem("settings", "unknown replica setting " + s + " (known: " + String.join(", ", ReplicatedLog.SETTINGS)
                + ", and the shard's sm.NAME)"));
        Topology.Timing timing = timing(top.section("timing", Keys.TIMING));
        Fields security = top.section("security", Keys.SECURITY);
        String clusterKeyFile = besideTopology(security, "clusterKeyFile", name);
        String rootTokenFile = besideTopology(security, "rootTokenFile", name);

        List<Topology.Group> groups = new ArrayList<>();
        List<Map.Entry<String, Node>> groupNodes = top.list("groups");
        if (top.isList("groups") && groupNodes.isEmpty()) {
            top.problem("groups", "should list at least one shard group");
        }
        Uniques uniques = new Uniques(problems);
        for (int i = 0; i < groupNodes.size(); i++) {
            groups.add(group(problems, groupNodes.get(i), i, cluster, allowNonHA, uniques));
        }
        List<Topology.Datanode> datanodes = new ArrayList<>();
        for (Map.Entry<String, Node> d : top.list("datanodes")) {
            datanodes.add(datanode(new Fields(problems, d.getValue(), d.getKey(), Keys.DATANODE), cluster, uniques));
        }
        return new Topology(name, cluster, vparts, durability, chunkSize, replication, allowNonHA, logDir, settings, timing, groups,
            datanodes, clusterKeyFile, rootTokenFile);
    }

    /**
     * The path of the file {@code key} names (the cluster key, the root token), relative ones
     * resolved against the topology file's directory (the file travels with the topology, wherever
     * the command runs), or null when none is named. Whether the file is usable is checked where
     * it is read, at the start of each node: a client host reading the topology need not hold it.
     */
    private static String besideTopology(Fields f, String key, String topologyFile) {
        String file = f.string(key, () -> null);
        if (file == null) {
            return null;
        }
        Path p = Path.of(file);
        Path dir = Path.of(topologyFile).getParent();
        return p.isAbsolute() || dir == null ? p.toString() : dir.resolve(p).toString();
    }

    private static Topology.Timing timing(Fields f) {
        long heartbeat = f.number("heartbeatMs", 1, 60_000);
        long min = f.number("electionMinMs", 1, 600_000);
        long max = f.number("electionMaxMs", 1, 600_000);
        long lease = f.number("leaseMs", 1, 600_000);
        if (max < min) {
            f.problem("electionMaxMs", "should be at least electionMinMs (" + min + ")");
        }
        // PAXOS.md, "Why a lease read is linearizable": a dead leader's lease must end before a follower campaigns.
        if (lease >= min) {
            f.problem("leaseMs", "should be below electionMinMs (" + min + "): a follower may campaign only after the lease it granted ends");
        }
        if (heartbeat >= lease) {
            f.problem("heartbeatMs", "should be below leaseMs (" + lease + "): heartbeats renew the lease");
        }
        return new Topology.Timing(heartbeat, min, max, lease, f.number("datanodeHeartbeatMs", 1, 86_400_000),
            f.number("datanodeDeadMs", 1, 86_400_000));
    }

    private static Topology.Group group(Fields.Problems problems, Map.Entry<String, Node> item, int index, String cluster,
                                        boolean allowNonHA, Uniques uniques) {
        Fields f = new Fields(problems, item.getValue(), item.getKey(), Keys.GROUP);
        String id = f.string("id", () -> "g" + (index + 1));
        uniques.groupId(f, id);
        List<Topology.Replica> replicas = new ArrayList<>();
        List<Map.Entry<String, Node>> items = f.list("replicas");
        for (Map.Entry<String, Node> r : items) {
            Fields rf = new Fields(problems, r.getValue(), r.getKey(), Keys.REPLICA);
            String rid = rf.string("id");
            String host = rf.string("host");
            int port = rf.port("port", () -> 1);
            int metrics = rf.port("metricsPort", () -> port + Keys.METRICS_OFFSET);
            String dataDir = rf.string("dataDir", () -> "boom-data/" + cluster + "/" + rid);
            Topology.Replica replica = new Topology.Replica(rid, host, port, metrics, dataDir);
            uniques.node(rf, replica, List.of("port", "metricsPort"));
            replicas.add(replica);
        }
        if (f.isList("replicas") && items.size() != 3 && !(allowNonHA && !items.isEmpty())) {
            f.problem("replicas", allowNonHA ? "should list at least one replica"
                : "lists " + items.size() + " replicas; a group has exactly 3 (one may fail), unless allowNonHA: true");
        }
        return new Topology.Group(id, replicas);
    }

    private static Topology.Datanode datanode(Fields f, String cluster, Uniques uniques) {
        String id = f.string("id");
        String host = f.string("host");
        int port = f.port("port", () -> 1);
        int control = f.port("controlPort", () -> port + Keys.CONTROL_OFFSET);
        int metrics = f.port("metricsPort", () -> port + Keys.METRICS_OFFSET);
        String dataDir = f.string("dataDir", () -> "boom-data/" + cluster + "/" + id);
        Topology.Datanode d = new Topology.Datanode(id, host, port, control, metrics, dataDir, f.size("capacity", Long.MAX_VALUE >> 1));
        uniques.node(f, d, List.of("port", "controlPort", "metricsPort"));
        return d;
    }

    /** What must be unique across the file: group ids, node ids, a host's ports, data directories. */
    private static final class Uniques {
        private final Fields.Problems problems;
        private final Map<String, String> groupIds = new HashMap<>();
        private final Map<String, String> nodeIds = new HashMap<>();
        private final Map<String, String> ports = new HashMap<>();
        private final Map<String, String> dirs = new HashMap<>();

        Uniques(Fields.Problems problems) {
            this.problems = problems;
        }

        void groupId(Fields f, String id) {
            once(groupIds, id, f, "id", "group id " + id);
        }

        /**
         * A node's id, ports and data directory. A defaulted key's clash is reported only when
         * the node has no other: two replicas given one port also clash on the metrics port
         * derived from it, and two nodes given one id on their default data directory.
         */
        void node(Fields f, Topology.Node n, List<String> portKeys) {
            boolean clash = !n.id().isEmpty() && !once(nodeIds, n.id(), f, "id", "node id " + n.id());
            for (int i = 0; i < portKeys.size(); i++) {
                int port = n.ports().get(i);
                if (f.has(portKeys.get(i)) || !clash) {
                    clash |= !once(ports, Hosts.canonical(n.host()) + ":" + port, f, portKeys.get(i), "port " + port + " of host " + n.host());
                }
            }
            if (f.has("dataDir") || !clash) {
                once(dirs, n.dataDir(), f, "dataDir", "data directory " + n.dataDir());
            }
        }

        /** Records {@code value} as {@code f}'s {@code key}; false (and a problem) when it was taken. */
        private boolean once(Map<String, String> seen, String value, Fields f, String key, String what) {
            String first = seen.putIfAbsent(value, f.join(key));
            if (first != null) {
                f.problem(key, what + (f.has(key) ? "" : " (the default of " + key + ")") + " is already used by " + first);
            }
            return first == null;
        }
    }
}
