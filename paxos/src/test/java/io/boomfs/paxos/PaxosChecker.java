package io.boomfs.paxos;

import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The outside checker of STYLE.md item 10: it reads what the replicas did (their leadership
 * every round, their applied histories, chosen values and acceptor state) and what the client
 * was told, and never takes part in the protocol. A violation is an AssertionError that says
 * what broke.
 */
final class PaxosChecker {
    /** One applied entry: position (slot, index in the batch), request and result. */
    record Entry(long slot, long idx, String clientId, long seq, Object op, Object result) {
        static Entry of(Tuple t) {
            return new Entry((Long) t.get(0), (Long) t.get(1), (String) t.get(2), (Long) t.get(3), t.get(4), t.get(5));
        }

        String position() {
            return slot + "." + idx;
        }
    }

    private final List<String> replicas;
    /** Ballot -> the replica that led with it (one leader per ballot). */
    private final Map<Long, String> leaderOfBallot = new HashMap<>();
    /** Slot -> the value some replica knew chosen (one value per slot). */
    private final Map<Long, Object> chosen = new HashMap<>();
    /** Every finished incarnation's applied history, by replica ("r1#0", ...). */
    private final Map<String, List<Entry>> histories = new TreeMap<>();
    private final Map<String, Integer> incarnations = new HashMap<>();

    PaxosChecker(List<String> replicas) {
        this.replicas = List.copyOf(replicas);
    }

    void leader(String replica, long ballot, long round) {
        String before = leaderOfBallot.putIfAbsent(ballot, replica);
        if (before != null && !before.equals(replica)) {
            throw new AssertionError("two leaders for ballot " + ballot + ": " + before + " and " + replica + " (round "
                + round + ")");
        }
        if (ballot % 256 != replicas.indexOf(replica) + 1) {
            throw new AssertionError(replica + " leads ballot " + ballot + ", which belongs to replica id " + ballot % 256);
        }
    }

    /** Records what a replica applied and learned before its memory goes (a crash). */
    void incarnationEnded(String replica, OverlogNode node) {
        int n = incarnations.merge(replica, 1, Integer::sum) - 1;
        histories.put(replica + "#" + n, history(node));
        recordChosen(replica, node);
        checkAcceptor(replica, node);
    }

    /** The replica's applied history, in log order. */
    static List<Entry> history(OverlogNode node) {
        List<Entry> out = new ArrayList<>();
        for (Tuple t : node.contents("l_applied")) {
            out.add(Entry.of(t));
        }
        out.sort((a, b) -> a.slot != b.slot ? Long.compare(a.slot, b.slot) : Long.compare(a.idx, b.idx));
        return out;
    }

    private void recordChosen(String replica, OverlogNode node) {
        for (Tuple t : node.contents("l_chosen")) {
            long slot = (Long) t.get(0);
            Object before = chosen.putIfAbsent(slot, t.get(1));
            if (before != null && !before.equals(t.get(1))) {
                throw new AssertionError("two values chosen in slot " + slot + ": " + before + " and " + t.get(1) + " (at "
                    + replica + ")");
            }
        }
    }

    private static void checkAcceptor(String replica, OverlogNode node) {
        long promised = (Long) node.contents("a_max_ballot").get(0).get(0);
        for (Tuple t : node.contents("a_accepted")) {
            if ((Long) t.get(1) > promised) {
                throw new AssertionError(replica + " accepted " + t + " above its promise " + promised);
            }
        }
    }

    /**
     * The final check over the live replicas and every crashed incarnation. Returns the
     * longest applied history (the one every other is a prefix of).
     */
    List<Entry> checkFinal(Map<String, OverlogNode> live, List<Tuple> acked) {
        Map<String, List<Entry>> all = new TreeMap<>(histories);
        for (Map.Entry<String, OverlogNode> e : live.entrySet()) {
            all.put(e.getKey() + "#live", history(e.getValue()));
            recordChosen(e.getKey(), e.getValue());
            checkAcceptor(e.getKey(), e.getValue());
        }
        List<Entry> longest = List.of();
        for (List<Entry> h : all.values()) {
            if (h.size() > longest.size()) {
                longest = h;
            }
        }
        // Applied prefixes agree: every history is a prefix of the longest.
        for (Map.Entry<String, List<Entry>> e : all.entrySet()) {
            List<Entry> h = e.getValue();
            for (int i = 0; i < h.size(); i++) {
                if (!h.get(i).equals(longest.get(i))) {
                    throw new AssertionError("applied histories diverge at entry " + i + ": " + e.getKey() + " applied "
                        + h.get(i) + " where another replica applied " + longest.get(i));
                }
            }
            checkExactlyOnce(e.getKey(), h);
        }
        // The results are those of the sequential key-value store over the agreed history.
        KvModel model = new KvModel();
        for (Entry en : longest) {
            Object expected = model.apply(en.op());
            if (!Objects.equals(expected, en.result())) {
                throw new AssertionError("entry " + en.position() + " " + en.op() + " gave " + en.result()
                    + ", the sequential store gives " + expected);
            }
        }
        // Every acknowledged request was applied exactly once, with the result the client got.
        Map<String, Entry> bySession = new HashMap<>();
        for (Entry en : longest) {
            bySession.put(en.clientId() + "#" + en.seq(), en);
        }
        Set<String> ackedOnce = new HashSet<>();
        for (Tuple t : acked) {
            String key = t.get(0) + "#" + t.get(1);
            if (!ackedOnce.add(key)) {
                throw new AssertionError("request " + key + " was answered with two different results: " + acked);
            }
            Entry en = bySession.get(key);
            if (en == null) {
                throw new AssertionError("request " + key + " was acknowledged (" + t + ") but never applied");
            }
            if (!Objects.equals(en.result(), t.get(2))) {
                throw new AssertionError("request " + key + " was answered " + t.get(2) + " but applied with result "
                    + en.result());
            }
        }
        return longest;
    }

    private static void checkExactlyOnce(String who, List<Entry> h) {
        Set<String> seen = new HashSet<>();
        for (Entry en : h) {
            if (!seen.add(en.clientId() + "#" + en.seq())) {
                throw new AssertionError(who + " applied request " + en.clientId() + "#" + en.seq() + " twice: " + h);
            }
        }
    }

    /** The key-value contents the model holds after {@code history}, as kv tuples. */
    static Map<Object, Object> modelAfter(List<Entry> history) {
        KvModel model = new KvModel();
        for (Entry en : history) {
            model.apply(en.op());
        }
        return model.contents();
    }
}
