package io.boomfs.deploy.node;

import io.boomfs.engine.Tuple;
import io.boomfs.engine.runtime.NodeAgent;
import io.boomfs.paxos.ReplicaServer;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A shard replica's metrics: the runtime's counters, the Paxos state read from its relations
 * between two steps (role, ballots, applied and commit index, the leader it follows), leader
 * changes and ops by type and result counted from the relations' changes, and the sizes of the
 * namespace's tables. What {@code boom status} reads.
 */
public final class ReplicaMetrics {
    /** The namespace's tables whose sizes are shown: names, files, chunks, and the soft state of the datanodes. */
    private static final List<String> TABLES = List.of("entry", "dir", "inode", "fchunk", "hb_chunk", "dn_live");

    private final String cluster;
    private final String group;
    private final String id;
    private final ReplicaServer server;
    private final AtomicLong leaderChanges = new AtomicLong();
    private final AtomicLong electionsWon = new AtomicLong();
    private final Map<String, AtomicLong> ops = new ConcurrentHashMap<>();

    /** Subscribes to the replica's relations: from now on leader changes and ops are counted. */
    public ReplicaMetrics(String cluster, String group, String id, ReplicaServer server) {
        this.cluster = cluster;
        this.group = group;
        this.id = id;
        this.server = server;
        NodeAgent agent = server.node().agent();
        agent.subscribe("e_leader", c -> {
            if (c.insert()) {
                leaderChanges.incrementAndGet();
            }
        });
        agent.subscribe("p_is_leader", c -> {
            if (c.insert()) {
                electionsWon.incrementAndGet();
            }
        });
        // Every entry applied, with its op and result: l_applied(Slot, Idx, ClientId, Seq, Op, Result).
        agent.subscribe("l_applied", c -> ops.computeIfAbsent(kind(c.tuple().get(4)) + "\u0000" + result(c.tuple().get(5)),
            k -> new AtomicLong()).incrementAndGet());
    }

    /** An op's name: its first element ({@code ["create", ...]}). */
    private static String kind(Object op) {
        return op instanceof List<?> l && !l.isEmpty() ? String.valueOf(l.get(0)) : "other";
    }

    /**
     * A result's kind: {@code ok}, or the error's code ({@code ["error", "NOT_FOUND", ...]});
     * the answer to a hinted path ({@code ["@", Epoch, ParentId, Result]}, metadata-shard/DESIGN.md)
     * is its Result's.
     */
    private static String result(Object r) {
        if (r instanceof List<?> h && h.size() == 4 && "@".equals(h.get(0))) {
            return result(h.get(3));
        }
        if (r instanceof List<?> l && !l.isEmpty()) {
            return "error".equals(l.get(0)) && l.size() > 1 ? String.valueOf(l.get(1)) : String.valueOf(l.get(0));
        }
        return "other";
    }

    /** The state read on the node's thread, between two steps. */
    private record State(Long leaderBallot, String leader, long followedBallot, long promised, long appliedNext, long commitNext,
                         long logNext, Map<String, Integer> tables) {
    }

    private State read() {
        try {
            return server.node().agent().call(n -> {
                Long leading = first(n.contents("p_is_leader"), 0);
                List<Tuple> followed = n.contents("e_leader");
                Long next = first(n.contents("l_next"), 0);
                long applied = next == null ? 0 : next;
                Long hint = first(n.contents("l_hint"), 1);
                long log = applied;
                for (Tuple t : n.contents("a_accepted")) {
                    log = Math.max(log, ((Number) t.get(0)).longValue() + 1);
                }
                Map<String, Integer> tables = new TreeMap<>();
                for (String t : TABLES) {
                    if (n.program().relation(t) != null) {
                        tables.put(t, n.count(t));
                    }
                }
                Long promised = first(n.contents("a_max_ballot"), 0);
                return new State(leading, followed.isEmpty() ? null : String.valueOf(followed.get(0).get(0)),
                    followed.isEmpty() ? -1 : ((Number) followed.get(0).get(1)).longValue(), promised == null ? -1 : promised,
                    applied, Math.max(applied, hint == null ? 0 : hint), log, tables);
            }).get(2, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static Long first(List<Tuple> rows, int column) {
        return rows.isEmpty() ? null : ((Number) rows.get(0).get(column)).longValue();
    }

    /** The Prometheus text of this replica now. */
    public String text() {
        PromText p = new PromText(cluster, id);
        p.gauge("boom_node_info", "What this node is: its kind, group and address.", 1, "kind", "replica", "group", group, "address",
            server.address());
        State s = read();
        if (s != null) {
            p.gauge("boom_paxos_is_leader", "1 when this replica leads its group.", s.leaderBallot() != null ? 1 : 0);
            p.gauge("boom_paxos_ballot", "The ballot of the leader this replica follows (its own when it leads); -1 for none.",
                s.leaderBallot() != null ? s.leaderBallot() : s.followedBallot());
            if (s.leader() != null || s.leaderBallot() != null) {
                p.gauge("boom_paxos_leader_info", "The leader this replica follows.", 1, "leader",
                    s.leaderBallot() != null ? server.address() : s.leader());
            }
            p.gauge("boom_paxos_promised_ballot", "The highest ballot this replica's acceptor promised.", s.promised());
            p.gauge("boom_paxos_applied_index", "Slots applied here: the first slot not applied yet.", s.appliedNext());
            p.gauge("boom_paxos_commit_index", "Slots known chosen here: the first slot not known chosen.", s.commitNext());
            p.gauge("boom_paxos_log_index", "The first slot past the highest this acceptor accepted.", s.logNext());
            s.tables().forEach((t, n) -> p.gauge("boom_meta_rows", "Rows of the namespace's tables (entry, inode, fchunk, hb_chunk, dn_live...).",
                n, "table", t));
        }
        p.counter("boom_paxos_leader_changes_total", "Times the leader this replica follows changed.", leaderChanges.get());
        p.counter("boom_paxos_elections_won_total", "Times this replica became the leader.", electionsWon.get());
        new TreeMap<>(ops).forEach((label, n) -> {
            String[] kr = label.split("\u0000", 2);
            p.counter("boom_ops_applied_total", "Ops applied from the log, by op and result (ok or the error code).", n.get(), "op", kr[0],
                "result", kr[1]);
        });
        EngineMetrics.write(p, server.node().agent());
        return p.toString();
    }
}
