package io.boomfs.deploy.topology;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every key a topology file may hold, by section: the schema of {@link TopologyLoader} and the
 * text of {@code boom topology explain}. Sections are named by their path pattern in a file
 * ({@code groups[].replicas[]}).
 */
public final class Keys {
    /** Metrics ports default to the node's port plus this: replicas 7501-7503 serve metrics on 8501-8503. */
    public static final int METRICS_OFFSET = 1000;
    /** A datanode's Aeron endpoint (control path) defaults to its data port plus this. */
    public static final int CONTROL_OFFSET = 100;

    public static final List<Key> TOP = List.of(
        new Key("cluster", "name", "boomfs", "The cluster's name: the default data and log directories, status and metrics labels."),
        new Key("vparts", "int 1..65536", "256", "Virtual partitions, fixed when the cluster is created (ids carry them)."),
        new Key("durability", "sync|async", "sync", "sync: a replica msyncs promises and accepts before they leave; async: left to the OS."),
        new Key("chunkSize", "size", "64M", "The chunk size `boom fs put` uses with --topology (a number with K, M or G)."),
        new Key("replication", "int 1..8", "3", "Copies of each chunk `boom fs put` asks for with --topology."),
        new Key("allowNonHA", "bool", "false", "Allow shard groups of other than 3 replicas (1 for a toy cluster; 5 to survive 2 failures)."),
        new Key("logDir", "path", "boom-data/<cluster>/logs",
            "Where `boom up` writes each node's output, <id>.log; relative paths are from the working directory."),
        new Key("settings", "map name: int", "{}",
            "More replica settings, each passed as --set NAME=VALUE (paxos/PAXOS.md, metadata-shard/DESIGN.md sm.*)."),
        new Key("timing", "map", "{}", "The timing options (the timing section)."),
        new Key("security", "map", "{}", "Cluster membership auth (the security section); without it any host can join, vote and report."),
        new Key("groups", "list", null, "The shard groups: each runs the namespace on its own replicated log."),
        new Key("datanodes", "list", "[]", "The datanodes: each heartbeats to every replica of every group."));

    public static final List<Key> TIMING = List.of(
        new Key("heartbeatMs", "int ms", "50", "The leader's heartbeat period (replica setting heartbeat_ms)."),
        new Key("electionMinMs", "int ms", "300", "The shortest election timeout (election_min_ms); above leaseMs."),
        new Key("electionMaxMs", "int ms", "600", "The longest election timeout (election_max_ms); above electionMinMs."),
        new Key("leaseMs", "int ms", "200", "The read lease a follower grants per heartbeat (lease_ms); above heartbeatMs."),
        new Key("datanodeHeartbeatMs", "int ms", "1000", "How often a datanode heartbeats to every replica."),
        new Key("datanodeDeadMs", "int ms", "10000", "A datanode silent this long is dead to the shard (sm.dn_dead_ms)."));

    public static final List<Key> SECURITY = List.of(
        new Key("clusterKeyFile", "path", "none",
            "The cluster key (`boom keygen FILE`, mode 0600), relative to this file; every frame between nodes is signed with it."),
        new Key("rootTokenFile", "path", "none",
            "The root user's token (`boom admin user root-token FILE`, mode 0600), relative to this file; with it every client"
                + " request must prove its user (sm.auth 1)."));

    public static final List<Key> GROUP = List.of(
        new Key("id", "name", "g<N>", "The group's name (`boom admin snapshot g1`); g1, g2, ... by position."),
        new Key("replicas", "list", null, "Its replicas: exactly 3 unless allowNonHA."));

    public static final List<Key> REPLICA = List.of(
        new Key("id", "name", null, "The node's name, unique in the topology (`boom node --id m1`)."),
        new Key("host", "host", null, "The address it listens on and peers send to."),
        new Key("port", "int 1..65535", null, "Its UDP port (Aeron); HOST:PORT is its address in the group."),
        new Key("metricsPort", "int 1..65535", "port + " + METRICS_OFFSET, "Its HTTP port: /metrics (Prometheus text) and /admin."),
        new Key("dataDir", "path", "boom-data/<cluster>/<id>", "Its write-ahead log and snapshots; relative paths are from the working directory."));

    public static final List<Key> DATANODE = List.of(
        new Key("id", "name", null, "The node's name, unique in the topology (`boom node --id dn1`)."),
        new Key("host", "host", null, "The address it listens on."),
        new Key("port", "int 1..65535", null, "Its TCP port for chunk data."),
        new Key("controlPort", "int 1..65535", "port + " + CONTROL_OFFSET, "Its UDP port (Aeron) for heartbeats and reports to the replicas."),
        new Key("metricsPort", "int 1..65535", "port + " + METRICS_OFFSET, "Its HTTP port: /metrics (Prometheus text)."),
        new Key("dataDir", "path", "boom-data/<cluster>/<id>", "Its chunks; relative paths are from the working directory."),
        new Key("capacity", "size", "10G", "The most bytes of chunks it keeps (a number with K, M, G or T)."));

    /** The sections in the order explain prints them, by path pattern. */
    public static final Map<String, List<Key>> SECTIONS = sections();

    private Keys() {
    }

    private static Map<String, List<Key>> sections() {
        Map<String, List<Key>> m = new LinkedHashMap<>();
        m.put("", TOP);
        m.put("timing", TIMING);
        m.put("security", SECURITY);
        m.put("groups[]", GROUP);
        m.put("groups[].replicas[]", REPLICA);
        m.put("datanodes[]", DATANODE);
        return m;
    }

    /** One line per key: its full path, type, default and description. */
    public static String explain() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, List<Key>> s : SECTIONS.entrySet()) {
            for (Key k : s.getValue()) {
                String path = s.getKey().isEmpty() ? k.name() : s.getKey() + "." + k.name();
                sb.append(String.format("%-34s %-16s %-26s %s%n", path, k.type(), k.required() ? "(required)" : k.defaultValue(),
                    k.description()));
            }
        }
        return sb.toString();
    }
}
