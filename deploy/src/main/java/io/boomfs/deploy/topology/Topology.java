package io.boomfs.deploy.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A validated topology: what {@code boom up}, {@code boom node}, {@code boom status} and
 * {@code boom fs --topology} read. Built only by {@link TopologyLoader}, which checks everything
 * once, before anything starts; the keys and their defaults are in {@link Keys}. Paths are as the
 * file gives them: relative ones are resolved against the working directory of the command.
 *
 * @param settings       replica settings ({@code --set NAME=VALUE}) beyond those of {@code timing}
 * @param clusterKeyFile the cluster key file ({@code security.clusterKeyFile}), resolved against the
 *                       topology file's directory; null when the cluster runs without membership auth
 * @param rootTokenFile  the root user's token file ({@code security.rootTokenFile}), resolved the same
 *                       way; null when clients are not authenticated (sm.auth 0)
 */
public record Topology(String source, String cluster, int vparts, String durability, long chunkSizeBytes, int replication,
                       boolean allowNonHA, String logDir, Map<String, Long> settings, Timing timing, List<Group> groups,
                       List<Datanode> datanodes, String clusterKeyFile, String rootTokenFile) {
    public Topology {
        settings = Map.copyOf(settings);
        groups = List.copyOf(groups);
        datanodes = List.copyOf(datanodes);
    }

    /** The timing options, in milliseconds. */
    public record Timing(long heartbeatMs, long electionMinMs, long electionMaxMs, long leaseMs, long datanodeHeartbeatMs,
                         long datanodeDeadMs) {
    }

    /** A shard group: its replicas, ids 1..N in this order. */
    public record Group(String id, List<Replica> replicas) {
        public Group {
            replicas = List.copyOf(replicas);
        }

        /** The group's addresses, {@code HOST:PORT} each, in order: its members at their first start. */
        public List<String> addresses() {
            return replicas.stream().map(Replica::address).toList();
        }
    }

    /** One node of a topology: a replica or a datanode. */
    public sealed interface Node permits Replica, Datanode {
        String id();

        String host();

        int metricsPort();

        String dataDir();

        /** Every port it listens on, for the checks that two nodes of a host never share one. */
        List<Integer> ports();

        default String metricsAddress() {
            return host() + ":" + metricsPort();
        }
    }

    /** A replica of a shard group. */
    public record Replica(String id, String host, int port, int metricsPort, String dataDir) implements Node {
        /** Its address in the group and Aeron endpoint. */
        public String address() {
            return host + ":" + port;
        }

        @Override
        public List<Integer> ports() {
            return List.of(port, metricsPort);
        }
    }

    /** A datanode: chunk data on {@code port} (TCP), the control path on {@code controlPort} (Aeron). */
    public record Datanode(String id, String host, int port, int controlPort, int metricsPort, String dataDir, long capacityBytes)
        implements Node {
        @Override
        public List<Integer> ports() {
            return List.of(port, controlPort, metricsPort);
        }

        public String controlAddress() {
            return host + ":" + controlPort;
        }
    }

    /** Every node, replicas group by group, then the datanodes. */
    public List<Node> nodes() {
        List<Node> all = new ArrayList<>();
        groups.forEach(g -> all.addAll(g.replicas()));
        all.addAll(datanodes);
        return all;
    }

    public Optional<Node> node(String id) {
        return nodes().stream().filter(n -> n.id().equals(id)).findFirst();
    }

    public Optional<Group> group(String id) {
        return groups.stream().filter(g -> g.id().equals(id)).findFirst();
    }

    /** The group a replica belongs to. */
    public Group groupOf(Replica r) {
        return groups.stream().filter(g -> g.replicas().contains(r)).findFirst().orElseThrow();
    }

    /** The ids of every node, comma-separated: what an error about an unknown id lists. */
    public String nodeIds() {
        return nodes().stream().map(Node::id).collect(Collectors.joining(", "));
    }

    /**
     * The settings every replica starts with: the timing section's, the datanode death time, then
     * {@code settings} (which may override them).
     */
    public Map<String, Long> replicaSettings() {
        Map<String, Long> s = new java.util.TreeMap<>(Map.of("heartbeat_ms", timing.heartbeatMs(), "election_min_ms",
            timing.electionMinMs(), "election_max_ms", timing.electionMaxMs(), "lease_ms", timing.leaseMs(), "sm.dn_dead_ms",
            timing.datanodeDeadMs()));
        if (rootTokenFile != null) {
            // A root token means client authentication (metadata-shard/DESIGN.md, "Users and permissions").
            s.put("sm.auth", 1L);
        }
        s.putAll(settings);
        return s;
    }

    /**
     * The initial vpart map (metadata-shard/DESIGN.md, "Partitioning"): vpart {@code v} starts in
     * group {@code v mod N}; moves change it (the live map: {@code boom admin map}). Element
     * {@code i} is how many vparts group {@code i} starts with.
     */
    public List<Long> initialPartitions() {
        List<Long> counts = new ArrayList<>();
        int n = groups.size();
        for (int i = 0; i < n; i++) {
            counts.add((long) (vparts / n + (i < vparts % n ? 1 : 0)));
        }
        return counts;
    }
}
