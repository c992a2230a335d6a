package io.boomfs.meta;

import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.sim.SimConfig;
import io.boomfs.engine.sim.Simulator;
import io.boomfs.paxos.ReplicatedLog;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Model-based test of the namespace rules (issue 6): three replicas of a metadata shard on the
 * deterministic simulator (drops, duplicates, reordering, delays, crashes and restarts of any
 * replica), three clients running random sequences of mkdirs, create, delete, rename, setattr,
 * stat and list over a small tree. From outside: every position of the log holds one entry on
 * every replica that applied it; the results of the agreed history are those of
 * {@link NamespaceModel} (within a slot the ops that are not mkdirs go first: a mkdirs may create
 * a parent the others of its slot read as missing, PAXOS.md's batching keys allow no other
 * interaction); and every replica's tree equals the model's at the end.
 *
 * <p>{@code -Dmeta.seeds=N} (default 200) and {@code -Dseed=S} to replay one.
 */
class NamespaceSimulationTest {
    static final long TICK_MS = 10;
    static final String[] NAMES = {"a", "b", "c"};
    private static final Program REPLICA = MetaShard.compile();
    private static final Program CLIENT = ReplicatedLog.compileClient();

    @Test
    void seeds() {
        String one = System.getProperty("seed");
        if (one != null && !one.isBlank()) {
            run(Long.parseLong(one.trim()), System.out);
            return;
        }
        int n = Integer.getInteger("meta.seeds", 200);
        long start = System.nanoTime();
        long ops = 0;
        for (long seed = 1; seed <= n; seed++) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            try {
                ops += run(seed, new PrintStream(buf, true, StandardCharsets.UTF_8));
            } catch (AssertionError | RuntimeException e) {
                System.out.print(buf.toString(StandardCharsets.UTF_8));
                fail("SEED=" + seed + " (replay: -Dseed=" + seed + "): " + e.getMessage(), e);
            }
        }
        System.out.printf("namespace simulation: %d seeds, %d ops checked against the model (even seeds hinted: %d hints"
                + " below the root, %d caches found stale), %.1f s%n", n, ops, Hints.GIVEN.get(), Hints.STALE.get(),
            (System.nanoTime() - start) / 1e9);
    }

    /** One seeded run; returns the number of ops in the agreed history. */
    static long run(long seed, PrintStream log) {
        SplittableRandom rnd = new SplittableRandom(seed * 31 + 7);
        double drop = rnd.nextBoolean() ? 0.0 : 0.05;
        SimConfig config = new SimConfig(TICK_MS, drop, rnd.nextBoolean() ? 0.0 : 0.05, rnd.nextBoolean() ? 0.0 : 0.1, 0,
            rnd.nextBoolean() ? 0L : 20L);
        Simulator sim = new Simulator(seed, config, log);
        List<String> reps = List.of("r1", "r2", "r3");
        Map<String, Long> settings = rnd.nextBoolean() ? Map.of() : Map.of("checkpoint_slots", 3L, "retain_slots", 1L);
        for (String r : reps) {
            sim.addNode(r, REPLICA);
            for (Tuple t : ReplicatedLog.configuration(reps, rnd.nextLong(), settings)) {
                sim.load(r, t);
            }
        }
        sim.addNode("client", CLIENT);
        for (String r : reps) {
            sim.load("client", new Tuple("c_replica", r));
        }
        Map<String, List<List<Object>>> work = new LinkedHashMap<>();
        for (int c = 1; c <= 3; c++) {
            List<List<Object>> ops = new ArrayList<>();
            for (int k = 0; k < 12; k++) {
                ops.add(randomOp(rnd));
            }
            work.put("c" + c, ops);
        }
        Map<String, Integer> next = new HashMap<>();
        // Even seeds send hinted paths, from what each client learnt of directory ids.
        Map<String, Hints> hints = new HashMap<>();
        Map<String, Long> learnt = new HashMap<>();
        TreeMap<long[], Tuple> history = new TreeMap<>(Comparator.<long[]>comparingLong(p -> p[0]).thenComparingLong(p -> p[1]));
        Map<String, Integer> down = new HashMap<>();
        for (int round = 0; round < 4000; round++) {
            // Faults for the first 300 rounds: a replica crashes now and then and comes back.
            if (round < 300 && rnd.nextDouble() < 0.01) {
                String r = reps.get(rnd.nextInt(3));
                if (sim.isUp(r) && down.isEmpty()) {
                    sim.crash(r);
                    down.put(r, round + 20 + rnd.nextInt(80));
                }
            }
            for (Map.Entry<String, Integer> d : new ArrayList<>(down.entrySet())) {
                if (round >= d.getValue()) {
                    sim.restart(d.getKey());
                    sim.load(d.getKey(), new Tuple("e_seed", rnd.nextLong()));
                    for (Map.Entry<String, Long> s : settings.entrySet()) {
                        sim.load(d.getKey(), new Tuple("px_config", s.getKey(), s.getValue()));
                    }
                    down.remove(d.getKey());
                }
            }
            Map<String, Long> answered = new HashMap<>();
            for (Tuple t : sim.node("client").contents("c_acked")) {
                String c = (String) t.get(0);
                long seq = (Long) t.get(1);
                answered.merge(c, seq, Math::max);
                if (seed % 2 == 0 && seq > learnt.getOrDefault(c, 0L)) {
                    learnt.put(c, seq);
                    hints.computeIfAbsent(c, k -> new Hints()).learn(work.get(c).get((int) seq - 1), t.get(2));
                }
            }
            boolean done = true;
            for (Map.Entry<String, List<List<Object>>> e : work.entrySet()) {
                int k = next.getOrDefault(e.getKey(), 0);
                if (answered.getOrDefault(e.getKey(), 0L) == k && k < e.getValue().size()) {
                    List<Object> op = e.getValue().get(k);
                    if (seed % 2 == 0) {
                        op = hints.computeIfAbsent(e.getKey(), c -> new Hints()).hinted(op);
                    }
                    sim.load("client", new Tuple("c_submit", e.getKey(), (long) k + 1, op));
                    next.put(e.getKey(), k + 1);
                }
                done &= answered.getOrDefault(e.getKey(), 0L) == e.getValue().size();
            }
            List<String> dies = sim.round();
            if (!dies.isEmpty()) {
                throw new AssertionError("invariant violated: " + dies);
            }
            for (String r : reps) {
                if (sim.isUp(r)) {
                    for (Tuple t : sim.node(r).contents("l_applied")) {
                        long[] pos = {(Long) t.get(0), (Long) t.get(1)};
                        Tuple before = history.putIfAbsent(pos, t);
                        if (before != null && !before.equals(t)) {
                            throw new AssertionError("replicas applied " + before + " and " + t + " at one position");
                        }
                    }
                }
            }
            if (done && down.isEmpty() && converged(sim, reps)) {
                check(history, sim, reps);
                return history.size();
            }
        }
        throw new AssertionError("the clients' ops were not all answered: " + sim.node("client").contents("c_acked").size()
            + " answered");
    }

    /** Every replica applied as far as the others, and none has a proposal in flight. */
    static boolean converged(Simulator sim, List<String> reps) {
        Object first = sim.node(reps.get(0)).contents("l_next");
        for (String r : reps) {
            if (!sim.node(r).contents("l_next").equals(first) || !sim.node(r).contents("p_proposal").isEmpty()) {
                return false;
            }
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    private static void check(TreeMap<long[], Tuple> history, Simulator sim, List<String> reps) {
        NamespaceModel model = new NamespaceModel();
        List<Tuple> slot = new ArrayList<>();
        long current = -1;
        List<Tuple> ordered = new ArrayList<>();
        for (Tuple t : history.values()) {
            if ((Long) t.get(0) != current) {
                ordered.addAll(inSlotOrder(slot));
                slot.clear();
                current = (Long) t.get(0);
            }
            slot.add(t);
        }
        ordered.addAll(inSlotOrder(slot));
        for (Tuple t : ordered) {
            List<Object> op = Hints.plain((List<Object>) t.get(4));
            List<Object> result = (List<Object>) Hints.unwrap(t.get(5));
            String expected = model.apply(op);
            String got = result.get(0).equals("ok") ? "ok" : (String) result.get(1);
            if (!Objects.equals(expected, got)) {
                throw new AssertionError("entry " + t.get(0) + "." + t.get(1) + " " + op + " gave " + result + ", the model "
                    + expected + "; history " + history.values());
            }
        }
        for (String r : reps) {
            TreeMap<List<String>, Boolean> tree = tree(sim.node(r));
            if (!tree.equals(model.tree())) {
                throw new AssertionError(r + " holds " + tree.keySet() + " but the model " + model.tree().keySet());
            }
        }
    }

    /** A slot's entries: those that are not mkdirs first, then the mkdirs, each group by index. */
    @SuppressWarnings("unchecked")
    private static List<Tuple> inSlotOrder(List<Tuple> slot) {
        List<Tuple> out = new ArrayList<>();
        for (Tuple t : slot) {
            if (!"mkdirs".equals(((List<Object>) t.get(4)).get(0))) {
                out.add(t);
            }
        }
        for (Tuple t : slot) {
            if ("mkdirs".equals(((List<Object>) t.get(4)).get(0))) {
                out.add(t);
            }
        }
        return out;
    }

    /** A replica's tree: every path reachable from the root through entry. */
    static TreeMap<List<String>, Boolean> tree(OverlogNode n) {
        Map<Long, List<Tuple>> children = new HashMap<>();
        for (Tuple t : n.contents("entry")) {
            children.computeIfAbsent((Long) t.get(0), k -> new ArrayList<>()).add(t);
        }
        TreeMap<List<String>, Boolean> out = new TreeMap<>(NamespaceModel::compare);
        walk(1L, List.of(), children, out);
        return out;
    }

    private static void walk(long id, List<String> at, Map<Long, List<Tuple>> children, TreeMap<List<String>, Boolean> out) {
        for (Tuple t : children.getOrDefault(id, List.of())) {
            List<String> p = new ArrayList<>(at);
            p.add((String) t.get(1));
            out.put(p, (Boolean) t.get(3));
            if ((Boolean) t.get(3)) {
                walk((Long) t.get(2), p, children, out);
            }
        }
    }

    /**
     * One client's directory ids, learnt from the answers to its hinted ops (DESIGN.md, "Hinted
     * paths"): the hint of a path is its longest known prefix. Hints go stale when another
     * client renames or deletes a directory; the shard must then walk from the root.
     */
    static final class Hints {
        /** Hints that named a directory below the root, and answers that showed one stale. */
        static final java.util.concurrent.atomic.AtomicLong GIVEN = new java.util.concurrent.atomic.AtomicLong();
        static final java.util.concurrent.atomic.AtomicLong STALE = new java.util.concurrent.atomic.AtomicLong();
        private final Map<List<String>, Long> ids = new HashMap<>();
        private long epoch = -1;

        @SuppressWarnings("unchecked")
        List<Object> hinted(List<Object> op) {
            List<Object> out = new ArrayList<>(op);
            if (op.get(1) instanceof List<?> p && (p.isEmpty() || p.get(0) instanceof String)) {
                out.set(1, hint((List<String>) p));
            }
            if (op.get(0).equals("rename")) {
                out.set(2, hint((List<String>) op.get(2)));
            }
            return out;
        }

        private List<Object> hint(List<String> p) {
            int depth = Math.max(0, p.size() - 1);
            while (depth > 0 && !ids.containsKey(p.subList(0, depth))) {
                depth--;
            }
            if (depth > 0) {
                GIVEN.incrementAndGet();
            }
            return List.of(p, epoch, depth == 0 ? 1L : ids.get(p.subList(0, depth)), (long) depth);
        }

        @SuppressWarnings("unchecked")
        void learn(List<Object> op, Object answer) {
            if (!(answer instanceof List<?> a) || !"@".equals(a.get(0))) {
                return;
            }
            long e = (Long) a.get(1);
            if (e > epoch) {
                if (!ids.isEmpty()) {
                    STALE.incrementAndGet();
                }
                ids.clear();
                epoch = e;
            }
            List<String> p = (List<String>) op.get(1);
            if (e == epoch && a.get(2) != null) {
                ids.put(p.subList(0, p.size() - 1), (Long) a.get(2));
            }
            List<?> r = (List<?>) a.get(3);
            if (e == epoch && op.get(0).equals("mkdirs") && r.get(0).equals("ok")) {
                ids.put(p, (Long) r.get(1));
            }
        }

        /** The op with its paths plain again. */
        static List<Object> plain(List<Object> op) {
            List<Object> out = new ArrayList<>(op);
            for (int i = 1; i < out.size(); i++) {
                if (out.get(i) instanceof List<?> l && l.size() == 4 && l.get(0) instanceof List<?> names) {
                    out.set(i, names);
                }
            }
            return out;
        }

        static Object unwrap(Object answer) {
            return answer instanceof List<?> a && a.size() == 4 && "@".equals(a.get(0)) ? a.get(3) : answer;
        }
    }

    private static List<String> randomPath(SplittableRandom rnd) {
        int depth = 1 + rnd.nextInt(3);
        List<String> p = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            p.add(NAMES[rnd.nextInt(NAMES.length)]);
        }
        return p;
    }

    static List<Object> randomOp(SplittableRandom rnd) {
        List<String> p = randomPath(rnd);
        switch (rnd.nextInt(10)) {
            case 0:
            case 1:
                return List.of("mkdirs", p, 493L, "u", 1L);
            case 2:
            case 3:
                return List.of("create", p, rnd.nextBoolean(), 3L, 1024L, "h", 420L, "u", 2L);
            case 4:
                return List.of("delete", p, rnd.nextBoolean());
            case 5:
                return List.of("rename", p, randomPath(rnd));
            case 6:
                return java.util.Arrays.asList("setattr", p, 448L, null, 3L, null);
            case 7:
                return List.of("stat", p);
            case 8:
                return java.util.Arrays.asList("list", p, null, 10L);
            default:
                // Bad paths now and then: an empty name, a dot.
                return List.of("mkdirs", List.of("a", rnd.nextBoolean() ? "" : ".."), 493L, "u", 1L);
        }
    }
}
