package io.boomfs.meta;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What a client knows of the namespace's layout, and how it drives one op to its result across
 * shard groups (DESIGN.md, "Hinted paths" and "Partitioning"): a cache of directory ids (path to
 * id, all of one directory epoch; the least recently used go first), the vparts it learnt moved,
 * and for each op a {@link Call} at a time: the group to ask, the op to send (paths hinted with
 * what the cache knows) and whether it is a read. The answer to a call gives the next one
 * ({@link #next}), until one is {@link Call#done()}. No I/O here: a client that sends calls over
 * Aeron and a simulation test that sends them as tuples drive the same logic. Thread-safe.
 */
public final class Router {
    /** The ops answered from the state (lease or log reads). */
    public static final Set<String> READS = Set.of("stat", "list", "open", "tx_result", "map", "mv_status", "load", "users");
    /** Errors after which the op starts again (after a pause): another op held what it needs, or its paths went stale. */
    private static final Set<String> AGAIN = Set.of("RETRY", "STALE");
    /** Hops (redirects, retries, levels) one op may take before it fails. */
    static final int MAX_HOPS = 10_000;

    private final int groups;
    private final long vparts;
    private final Map<List<String>, Long> ids;
    private final Map<Long, Integer> moved = new HashMap<>();
    private long epoch = -1;
    private final java.util.random.RandomGenerator random;

    /**
     * A router for {@code groups} shard groups and {@code vparts} virtual partitions, that
     * remembers at most {@code capacity} directories.
     */
    public Router(int groups, long vparts, int capacity) {
        this(groups, vparts, capacity, null);
    }

    /** As {@link #Router(int, long, int)}, drawing its pauses from {@code random} (a seeded one replays a simulation). */
    public Router(int groups, long vparts, int capacity, java.util.random.RandomGenerator random) {
        if (groups < 1 || vparts < 1) {
            throw new IllegalArgumentException("groups and vparts are at least 1, not " + groups + " and " + vparts);
        }
        this.groups = groups;
        this.vparts = vparts;
        this.random = random;
        this.ids = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<List<String>, Long> eldest) {
                return size() > capacity;
            }
        };
    }

    /** How many shard groups the cluster has. */
    public int groups() {
        return groups;
    }

    /**
     * One step of an op: send {@link #op()} to group {@link #group()} ({@link #read()}: as a read)
     * after {@link #delayMs()}, or, when {@link #done()}, the op's result ({@link #result()}).
     */
    public static final class Call {
        private final List<Object> main;
        /** The ops to go on with, innermost first, once the current one is answered. */
        private final Deque<List<Object>> then = new ArrayDeque<>();
        private List<Object> current;
        private int group;
        private List<Object> sent;
        private long delayMs;
        private Object result;
        private boolean done;
        private int hops;
        private int retries;
        /** Times the current transaction's result was asked for. */
        private int polls;
        private int wrongs;
        /** What resolving a rename's destination parent said when it is not a directory. */
        private Object dstError;

        private Call(List<Object> main) {
            this.main = main;
            this.current = main;
        }

        public int group() {
            return group;
        }

        public List<Object> op() {
            return sent;
        }

        public boolean read() {
            return READS.contains((String) sent.get(0));
        }

        public long delayMs() {
            return delayMs;
        }

        public boolean done() {
            return done;
        }

        /** The op's result: list("ok", ...) or list("error", Code, Message). */
        public Object result() {
            return result;
        }

        /** The op the caller asked for (plain paths). */
        public List<Object> main() {
            return main;
        }

        @Override
        public String toString() {
            return done ? "done " + result : "group " + group + " " + sent;
        }
    }

    /**
     * The first call of {@code op} (a namespace op with plain paths, DESIGN.md "Ops"); a
     * {@code renew} goes to {@code group} (a writer renews at every group it writes to), any
     * other op to the group its path or file id says.
     */
    public synchronized Call begin(List<Object> op, int group) {
        Call c = new Call(java.util.Collections.unmodifiableList(new ArrayList<>(op)));
        if (op.get(0).equals("rename") && groups > 1) {
            resolveDestination(c);
        }
        c.group = group;
        prepare(c);
        return c;
    }

    /** The call after {@code c}, given the answer to it. */
    public synchronized Call next(Call c, Object answer) {
        if (++c.hops > MAX_HOPS) {
            return finish(c, List.of("error", "UNAVAILABLE", "gave up after " + MAX_HOPS + " redirects and retries of "
                + c.main.get(0)));
        }
        c.delayMs = 0;
        Object inner = learn(c, answer);
        if (!(inner instanceof List<?> r) || r.isEmpty()) {
            return finish(c, List.of("error", "PROTOCOL", "the shard answered " + answer));
        }
        String head = String.valueOf(r.get(0));
        if (head.equals("->") && r.size() == 3 && r.get(1) instanceof Long depth && r.get(2) instanceof Long id) {
            List<String> p = names(c.current.get(1));
            if (p != null && depth < p.size()) {
                remember(p.subList(0, depth.intValue()), id);
            }
            c.sent = withHint(c.current, 1, p, depth.intValue(), id);
            c.group = owner(MetaShard.vpart(id));
            return c;
        }
        if (head.equals("more") && r.size() == 3 && r.get(1) instanceof Long depth && r.get(2) instanceof Long id) {
            List<String> p = names(c.current.get(1));
            remember(p.subList(0, depth.intValue()), id);
            List<Object> level = new ArrayList<>(c.current);
            level.set(1, List.copyOf(p.subList(0, depth.intValue() + 1)));
            if (level.get(2) instanceof Long mode) {
                // A level on the way: the owner may go on below it (DESIGN.md, "Users and permissions").
                level.set(2, Access.parentMode(mode));
            }
            c.then.push(c.current);
            c.current = level;
            prepare(c);
            return c;
        }
        if (head.equals("tx") && r.size() == 2) {
            boolean polling = c.sent != null && "tx_result".equals(c.sent.get(0));
            c.sent = List.of("tx_result", r.get(1));
            c.group = ((Long) ((List<?>) r.get(1)).get(0)).intValue();
            // Polled again after 1, 2, ... up to 10 ms: a result that takes long is not asked for
            // every millisecond by every waiting client (64 sessions polling each millisecond
            // kept the coordinator's leader busy answering them).
            c.polls = polling ? c.polls + 1 : 0;
            c.delayMs = polling ? Math.min(10, c.polls) : 0;
            return c;
        }
        if (head.equals("ok") && r.size() > 1 && "tx_result".equals(c.sent.get(0)) && r.get(1) instanceof Long id) {
            // A transaction's result comes unwrapped: what it made is learnt here.
            List<String> p = names(c.current.get(1));
            if (p != null && namesADir(String.valueOf(c.current.get(0)), r)) {
                remember(p, id);
            }
        }
        if (head.equals("error") && r.size() >= 3 && "WRONG_SHARD".equals(r.get(1))) {
            Long v = c.sent != null ? startVpart(c.sent) : null;
            if (r.size() >= 5 && r.get(4) instanceof Long g && g >= 0 && v != null && owner(v) != g && c.wrongs++ < 2) {
                moved.put(v, g.intValue());
            } else {
                // Groups that disagree (a move between its steps) or that do not know yet: again, after a pause.
                if (r.size() >= 5 && r.get(4) instanceof Long g && g >= 0 && v != null) {
                    moved.put(v, g.intValue());
                }
                c.delayMs = backoff(c);
            }
            prepare(c);
            return c;
        }
        if (head.equals("error") && r.size() >= 3 && AGAIN.contains(String.valueOf(r.get(1)))) {
            if ("STALE".equals(r.get(1))) {
                ids.clear();
            }
            // A RETRY may say when to try again (a vpart moving: its freeze is short), else the
            // pause grows with the tries (contended locks).
            c.delayMs = r.size() >= 4 && r.get(3) instanceof Long ms && ms > 0 && ms <= 1_000 ? ms : backoff(c);
            prepare(c);
            return c;
        }
        if (head.equals("error") && r.size() >= 3 && "DST_PARENT".equals(r.get(1))) {
            // The destination's parent could not be resolved (what the stat said), or the hint went stale.
            if (c.dstError != null) {
                return finish(c, c.dstError);
            }
            resolveDestination(c);
            prepare(c);
            return c;
        }
        // A result of the current op: a level or a parent is known now; the op it was for goes on.
        if (!c.then.isEmpty()) {
            if (c.current.get(0).equals("stat") && c.main.get(0).equals("rename")) {
                c.dstError = !head.equals("ok") ? inner
                    : Boolean.TRUE.equals(r.get(2)) ? null
                    : List.of("error", "NOT_DIR", "not a directory: /" + String.join("/", names(c.current.get(1))));
            }
            c.current = c.then.pop();
            c.retries = 0;
            prepare(c);
            return c;
        }
        return finish(c, inner);
    }

    /**
     * A rename's destination parent is resolved first (stat, following redirects): the group
     * that prepares the destination's part checks it by id (DESIGN.md, "Partitioning").
     */
    private void resolveDestination(Call c) {
        List<String> p = names(c.main.get(2));
        if (p != null && p.size() > 1 && !ids.containsKey(p.subList(0, p.size() - 1))) {
            c.then.push(c.current);
            c.current = List.of("stat", List.copyOf(p.subList(0, p.size() - 1)));
        }
    }

    /** The pause before the next try: 1 ms up to 2^tries (at most 200), random within that. */
    private long backoff(Call c) {
        long cap = Math.min(200, 1L << Math.min(c.retries++, 8));
        return 1 + (random != null ? random : ThreadLocalRandom.current()).nextLong(cap);
    }

    private Call finish(Call c, Object result) {
        c.done = true;
        c.result = result;
        return c;
    }

    /** Sets the call to send the current op, hinted with what the cache knows, to its group. */
    private void prepare(Call c) {
        List<Object> op = c.current;
        String kind = (String) op.get(0);
        List<String> p = names(op.size() > 1 ? op.get(1) : null);
        if (MetaShard.byId(kind)) {
            c.sent = op;
            c.group = owner(MetaShard.vpart((Long) op.get(1)));
            return;
        }
        if (p == null) {
            c.sent = op;
            return;
        }
        int deepest = READS.contains(kind) || kind.equals("setattr") ? p.size() : Math.max(0, p.size() - 1);
        int depth = deepest;
        while (depth > 0 && !ids.containsKey(p.subList(0, depth))) {
            depth--;
        }
        long dir = depth == 0 ? 1L : ids.get(p.subList(0, depth));
        List<Object> sent = withHint(op, 1, p, depth, dir);
        if (kind.equals("rename")) {
            List<String> q = names(op.get(2));
            int d2 = Math.max(0, q.size() - 1);
            while (d2 > 0 && !ids.containsKey(q.subList(0, d2))) {
                d2--;
            }
            sent = withHint(sent, 2, q, d2, d2 == 0 ? 1L : ids.get(q.subList(0, d2)));
        }
        c.sent = sent;
        c.group = owner(MetaShard.vpart(dir));
    }

    private List<Object> withHint(List<Object> op, int field, List<String> p, int depth, long id) {
        List<Object> out = new ArrayList<>(op);
        out.set(field, List.of(List.copyOf(p), epoch, id, (long) depth));
        return java.util.Collections.unmodifiableList(out);
    }

    /** The result inside a hinted answer, after learning from it; anything else as it is. */
    private Object learn(Call c, Object answer) {
        if (!(answer instanceof List<?> a) || a.size() != 4 || !"@".equals(a.get(0)) || !(a.get(1) instanceof Long e)) {
            return answer;
        }
        if (e > epoch) {
            ids.clear();
            epoch = e;
        }
        List<String> p = names(c.current.size() > 1 ? c.current.get(1) : null);
        if (e == epoch && p != null) {
            if (a.get(2) instanceof Long parent && !p.isEmpty()) {
                remember(p.subList(0, p.size() - 1), parent);
            }
            if (a.get(3) instanceof List<?> r && r.size() > 1 && "ok".equals(r.get(0)) && r.get(1) instanceof Long id
                && !p.isEmpty() && namesADir(String.valueOf(c.current.get(0)), r)) {
                remember(p, id);
            }
        }
        return a.get(3);
    }

    private static boolean namesADir(String kind, List<?> result) {
        return kind.equals("mkdirs") || kind.equals("stat") && result.size() > 2 && Boolean.TRUE.equals(result.get(2));
    }

    private void remember(List<String> path, long id) {
        if (!path.isEmpty()) {
            ids.put(List.copyOf(path), id);
        }
    }

    /** The vpart a sent op starts at (its hint's directory, the root, or its file), or null. */
    private static Long startVpart(List<Object> op) {
        String kind = (String) op.get(0);
        if (MetaShard.byId(kind)) {
            return MetaShard.vpart((Long) op.get(1));
        }
        return op.size() > 1 && OpShape.hinted(op.get(1)) ? MetaShard.vpart((Long) ((List<?>) op.get(1)).get(2)) : null;
    }

    /** The group that owns vpart {@code v}, as far as this router knows. */
    public synchronized int owner(long v) {
        Integer g = moved.get(v);
        return g != null ? g : (int) (v % groups);
    }

    @SuppressWarnings("unchecked")
    private static List<String> names(Object field) {
        if (OpShape.hinted(field)) {
            return (List<String>) ((List<?>) field).get(0);
        }
        return field instanceof List<?> l && (l.isEmpty() || l.get(0) instanceof String) ? (List<String>) l : null;
    }

    /** The directory epoch of what it knows, -1 before any answer. */
    public synchronized long epoch() {
        return epoch;
    }

    /** How many directories it knows. */
    public synchronized int size() {
        return ids.size();
    }

    /** The prefixes of {@code names} whose ids it knows. */
    public synchronized List<List<String>> known(List<String> names) {
        List<List<String>> out = new ArrayList<>();
        for (int depth = 1; depth <= names.size(); depth++) {
            if (ids.containsKey(names.subList(0, depth))) {
                out.add(names.subList(0, depth));
            }
        }
        return out;
    }

    /** The vparts it learnt moved, and where to. */
    public synchronized Map<Long, Integer> moved() {
        return Map.copyOf(moved);
    }

    /** How many vparts the cluster has. */
    public long vparts() {
        return vparts;
    }
}
