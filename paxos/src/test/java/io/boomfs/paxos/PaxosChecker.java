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
    /** Every entry some replica applied, by position: the agreed history. */
    private final TreeMap<String, Entry> byPosition = new TreeMap<>(PaxosChecker::comparePositions);
    /** The last position each replica applied in its current incarnation. */
    private final Map<String, Entry> lastApplied = new HashMap<>();

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

    /**
     * Records what a replica applied in one step (its {@code l_applied} events). Applied
     * histories agree: every position any two replicas applied holds the same entry, and a
     * replica applies positions in increasing order.
     */
    void applied(String replica, List<Tuple> events) {
        List<Entry> entries = new ArrayList<>();
        for (Tuple t : events) {
            entries.add(Entry.of(t));
        }
        entries.sort(ORDER);
        for (Entry e : entries) {
            Entry before = byPosition.putIfAbsent(e.position(), e);
            if (before != null && !before.equals(e)) {
                throw new AssertionError("applied histories diverge at " + e.position() + ": " + replica + " applied " + e
                    + " where another replica applied " + before);
            }
            Entry last = lastApplied.put(replica, e);
            if (last != null && ORDER.compare(last, e) >= 0) {
                throw new AssertionError(replica + " applied " + e.position() + " after " + last.position());
            }
        }
    }

    /** Records what a replica learned before its memory goes (a crash). */
    void incarnationEnded(String replica, OverlogNode node) {
        lastApplied.remove(replica);
        recordChosen(replica, node);
        checkAcceptor(replica, node);
    }

    private static final java.util.Comparator<Entry> ORDER =
        (a, b) -> a.slot != b.slot ? Long.compare(a.slot, b.slot) : Long.compare(a.idx, b.idx);

    private static int comparePositions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        int c = Long.compare(Long.parseLong(x[0]), Long.parseLong(y[0]));
        return c != 0 ? c : Long.compare(Long.parseLong(x[1]), Long.parseLong(y[1]));
    }

    /** The agreed history so far, in log order. */
    List<Entry> history() {
        return new ArrayList<>(byPosition.values());
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
     * The final check over the live replicas: the agreed history applies each request at most
     * once, gives the results the sequential store gives, and holds every acknowledged request
     * with the result its client got. Returns the agreed history.
     */
    List<Entry> checkFinal(Map<String, OverlogNode> live, List<Tuple> acked) {
        for (Map.Entry<String, OverlogNode> e : live.entrySet()) {
            recordChosen(e.getKey(), e.getValue());
            checkAcceptor(e.getKey(), e.getValue());
        }
        List<Entry> history = history();
        checkExactlyOnce("the agreed history", history);
        // The results are those of the sequential key-value store over the agreed history.
        KvModel model = new KvModel();
        for (Entry en : history) {
            Object expected = model.apply(en.op());
            if (!Objects.equals(expected, en.result())) {
                throw new AssertionError("entry " + en.position() + " " + en.op() + " gave " + en.result()
                    + ", the sequential store gives " + expected);
            }
        }
        // Every acknowledged request was applied exactly once, with the result the client got.
        Map<String, Entry> bySession = new HashMap<>();
        for (Entry en : history) {
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
        return history;
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
