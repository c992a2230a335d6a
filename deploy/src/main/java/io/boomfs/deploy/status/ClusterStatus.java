package io.boomfs.deploy.status;

import io.boomfs.deploy.fs.Sizes;
import io.boomfs.deploy.topology.Topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A cluster's state as its nodes' metrics endpoints tell it, read once: groups, replicas with
 * their role, ballot, applied and commit index and lag behind their leader, datanodes with their
 * chunks and capacity, and the static partition map. What {@code boom status} and {@code boom up}
 * print, as a table or as JSON.
 */
public record ClusterStatus(String cluster, int vparts, List<GroupStatus> groups, List<DatanodeStatus> datanodes) {
    /** How long a node has to answer: its endpoint shares the host's cores with the node's steps, and a loaded machine is slow. */
    public static final long TIMEOUT_MS = 3000;

    /** A replica: {@code role} is leader, follower or down. */
    public record ReplicaStatus(String id, String address, String metrics, String role, long ballot, long applied, long commit, long lag,
                                String failure) {
    }

    /** A group: its leader (null when none is known) and the vparts it holds in the static map, {@code [from, to)}. */
    public record GroupStatus(String id, String leader, long ballot, long vpartsAtStart, long opsApplied,
                              List<ReplicaStatus> replicas) {
    }

    public record DatanodeStatus(String id, String address, String metrics, boolean up, long chunks, long usedBytes, long capacityBytes,
                                 String failure) {
    }

    /**
     * Reads every node's metrics at once, a thread each (the common pool has one thread on two
     * cores); a node that does not answer within {@link #TIMEOUT_MS} is down.
     */
    public static ClusterStatus read(Topology t) {
        ExecutorService pool = Executors.newFixedThreadPool(t.nodes().size(), r -> {
            Thread th = new Thread(r, "status-scrape");
            th.setDaemon(true);
            return th;
        });
        try {
            Map<String, CompletableFuture<Scrape>> scrapes = t.nodes().stream().collect(Collectors.toMap(Topology.Node::id,
                n -> CompletableFuture.supplyAsync(() -> scrape(n.metricsAddress()), pool)));
            return read(t, id -> scrapes.get(id).join());
        } finally {
            pool.shutdown();
        }
    }

    /**
     * One node's metrics, asked twice before it counts as down: the first requests of a JVM load
     * the HTTP client's classes, which took seconds on a loaded machine (a node refusing the
     * connection fails at once both times).
     */
    private static Scrape scrape(String address) {
        Scrape s = Scrape.of(address, TIMEOUT_MS);
        return s.up() ? s : Scrape.of(address, TIMEOUT_MS);
    }

    private static ClusterStatus read(Topology t, Function<String, Scrape> scrape) {
        List<GroupStatus> groups = new ArrayList<>();
        List<Long> ranges = t.initialPartitions();
        for (int i = 0; i < t.groups().size(); i++) {
            groups.add(group(t.groups().get(i), ranges.get(i), scrape));
        }
        List<DatanodeStatus> datanodes = new ArrayList<>();
        for (Topology.Datanode d : t.datanodes()) {
            Scrape s = scrape.apply(d.id());
            datanodes.add(new DatanodeStatus(d.id(), d.host() + ":" + d.port(), d.metricsAddress(), s.up(), s.value("boom_datanode_chunks", 0),
                s.value("boom_datanode_used_bytes", 0), s.value("boom_datanode_capacity_bytes", d.capacityBytes()), s.failure()));
        }
        return new ClusterStatus(t.cluster(), t.vparts(), groups, datanodes);
    }

    private static GroupStatus group(Topology.Group g, long vparts, Function<String, Scrape> scrape) {
        // The leader: the replica that says it leads with the highest ballot (a deposed one may not know yet).
        Topology.Replica leader = null;
        long leaderBallot = -1;
        for (Topology.Replica r : g.replicas()) {
            Scrape s = scrape.apply(r.id());
            if (s.value("boom_paxos_is_leader", 0) == 1 && s.value("boom_paxos_ballot", -1) > leaderBallot) {
                leader = r;
                leaderBallot = s.value("boom_paxos_ballot", -1);
            }
        }
        long leaderApplied = leader == null ? -1 : scrape.apply(leader.id()).value("boom_paxos_applied_index", 0);
        List<ReplicaStatus> replicas = new ArrayList<>();
        for (Topology.Replica r : g.replicas()) {
            Scrape s = scrape.apply(r.id());
            long applied = s.value("boom_paxos_applied_index", -1);
            String role = !s.up() ? "down" : r == leader ? "leader" : "follower";
            replicas.add(new ReplicaStatus(r.id(), r.address(), r.metricsAddress(), role, s.value("boom_paxos_ballot", -1), applied,
                s.value("boom_paxos_commit_index", -1), s.up() && leader != null ? Math.max(0, leaderApplied - applied) : -1, s.failure()));
        }
        long ops = leader == null ? 0 : scrape.apply(leader.id()).sum("boom_ops_applied_total");
        return new GroupStatus(g.id(), leader == null ? null : leader.id(), leaderBallot, vparts, ops, replicas);
    }

    /** Whether no node answered at all. */
    public boolean unreachable() {
        return groups.stream().flatMap(g -> g.replicas().stream()).noneMatch(r -> !r.role().equals("down"))
            && datanodes.stream().noneMatch(DatanodeStatus::up);
    }

    /** The metrics addresses of every node, for the error that says none answered. */
    public String addressesTried() {
        List<String> a = new ArrayList<>();
        groups.forEach(g -> g.replicas().forEach(r -> a.add(r.metrics())));
        datanodes.forEach(d -> a.add(d.metrics()));
        return String.join(", ", a);
    }

    /** The table {@code boom status} prints. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append("cluster ").append(cluster).append(": ").append(groups.size()).append(" group(s), ").append(vparts)
            .append(" vparts (vpart v starts in group v mod ").append(groups.size())
            .append("; the live map after moves: boom admin map)\n");
        for (GroupStatus g : groups) {
            sb.append(String.format("%ngroup %s  leader %s  ballot %s  vparts at start %d  ops applied %d%n", g.id(),
                g.leader() == null ? "(none)" : g.leader(), g.leader() == null ? "-" : Long.toString(g.ballot()), g.vpartsAtStart(),
                g.opsApplied()));
            sb.append(String.format("  %-8s %-22s %-9s %8s %9s %9s %6s%n", "REPLICA", "ADDRESS", "ROLE", "BALLOT", "APPLIED", "COMMIT", "LAG"));
            for (ReplicaStatus r : g.replicas()) {
                sb.append(String.format("  %-8s %-22s %-9s %8s %9s %9s %6s%s%n", r.id(), r.address(), r.role(), dash(r.ballot()),
                    dash(r.applied()), dash(r.commit()), dash(r.lag()), why(r.failure())));
            }
        }
        if (!datanodes.isEmpty()) {
            sb.append(String.format("%n  %-8s %-22s %-9s %8s %10s %10s%n", "DATANODE", "ADDRESS", "STATE", "CHUNKS", "USED", "CAPACITY"));
            for (DatanodeStatus d : datanodes) {
                sb.append(String.format("  %-8s %-22s %-9s %8s %10s %10s%s%n", d.id(), d.address(), d.up() ? "up" : "down",
                    d.up() ? Long.toString(d.chunks()) : "-", d.up() ? Sizes.human(d.usedBytes()) : "-", Sizes.human(d.capacityBytes()),
                    why(d.failure())));
            }
        }
        return sb.toString();
    }

    /** Why a node is shown down: what reading its metrics said. */
    private static String why(String failure) {
        return failure == null ? "" : "  (" + failure + ")";
    }

    private static String dash(long v) {
        return v < 0 ? "-" : Long.toString(v);
    }

    /** The same as JSON: one object, the fields of these records by name. */
    public String json() {
        Json j = new Json();
        j.open('{').field("cluster").string(cluster).field("vparts").number(vparts).field("groups").open('[');
        for (GroupStatus g : groups) {
            j.open('{').field("id").string(g.id()).field("leader").string(g.leader()).field("ballot").number(g.ballot())
                .field("vparts_at_start").number(g.vpartsAtStart())
                .field("opsApplied").number(g.opsApplied()).field("replicas").open('[');
            for (ReplicaStatus r : g.replicas()) {
                j.open('{').field("id").string(r.id()).field("address").string(r.address()).field("role").string(r.role())
                    .field("ballot").number(r.ballot()).field("applied").number(r.applied()).field("commit").number(r.commit())
                    .field("lag").number(r.lag()).field("error").string(r.failure()).close('}');
            }
            j.close(']').close('}');
        }
        j.close(']').field("datanodes").open('[');
        for (DatanodeStatus d : datanodes) {
            j.open('{').field("id").string(d.id()).field("address").string(d.address()).field("up").bool(d.up())
                .field("chunks").number(d.chunks()).field("usedBytes").number(d.usedBytes()).field("capacityBytes").number(d.capacityBytes())
                .field("error").string(d.failure()).close('}');
        }
        return j.close(']').close('}').toString() + "\n";
    }
}
