package io.boomfs.paxos;

import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.sim.SimConfig;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The seeded simulation (STYLE.md item 9): for each seed, a 3-replica key-value store on a
 * network that drops, duplicates, reorders and delays messages, with partitions and crashes
 * and restarts of any replica (the leader on purpose half the time) for the first
 * {@link #FAULT_ROUNDS} rounds, while three clients run a random workload of put, get, cas and
 * delete. Then the faults stop (partitions heal, crashed replicas restart; the lossy network
 * stays) and every client op must be answered and every replica must apply the same history.
 * {@link PaxosChecker} checks each run from outside; the die rules run inside every node.
 *
 * <p>{@code -Dpaxos.seeds=N} runs N seeds (default 500; {@code -Plong} runs 10,000), and
 * {@code -Dseed=S} replays one seed. A failing seed is printed as {@code SEED=S} with the
 * simulator's log.
 */
class SimulationTest {
    static final long TICK_MS = 10;
    static final int FAULT_ROUNDS = 300;
    static final int RECOVERY_ROUNDS = 3000;
    static final int CLIENTS = 3;
    static final String[] KEYS = {"a", "b", "c"};

    @Test
    void seeds() {
        String one = System.getProperty("seed");
        if (one != null && !one.isBlank()) {
            runOrReport(Long.parseLong(one.trim()), true);
            return;
        }
        int n = Integer.getInteger("paxos.seeds", 500);
        long first = Long.getLong("paxos.firstSeed", 1L);
        long start = System.nanoTime();
        long rounds = 0;
        for (long seed = first; seed < first + n; seed++) {
            rounds += runOrReport(seed, false);
        }
        System.out.printf("paxos simulation: %d seeds from %d, %d rounds, %.1f s%n", n, first, rounds,
            (System.nanoTime() - start) / 1e9);
    }

    /** A fault-free run: the first leader is elected and every op is answered. */
    @Test
    void normalCaseWithoutFaults() {
        PaxosSim ps = new PaxosSim(7, SimConfig.noFaults(TICK_MS), 3, quiet());
        ps.rounds(100);
        assertTrue(ps.leader() != null, "a leader after 1 s without faults");
        ps.submit("x", 1, List.of("put", "a", "1"));
        ps.submit("y", 1, java.util.Arrays.asList("cas", "b", null, "2"));
        ps.rounds(20);
        ps.submit("x", 2, List.of("get", "a"));
        ps.rounds(20);
        assertEquals(List.of(new Tuple("c_acked", "x", 1L, "ok"), new Tuple("c_acked", "x", 2L, "1"),
            new Tuple("c_acked", "y", 1L, true)), ps.acked());
        for (String r : ps.replicas) {
            assertEquals(List.of(new Tuple("kv", "a", "1"), new Tuple("kv", "b", "2")), ps.node(r).contents("kv"),
                r + " is a hot standby: it applied every op");
        }
    }

    private static long runOrReport(long seed, boolean verbose) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream log = verbose ? System.out : new PrintStream(buf, true, StandardCharsets.UTF_8);
        try {
            return runSeed(seed, log);
        } catch (AssertionError | RuntimeException e) {
            System.out.println("SEED=" + seed + " failed (replay: -Dseed=" + seed + ")");
            System.out.print(buf.toString(StandardCharsets.UTF_8));
            fail("SEED=" + seed + ": " + e.getMessage(), e);
            return 0;
        }
    }

    /** One seeded run; returns the rounds it took. */
    static long runSeed(long seed, PrintStream log) {
        SplittableRandom rnd = new SplittableRandom(seed * 0x5DEECE66DL + 11);
        double drop = pick(rnd, 0.0, 0.01, 0.05, 0.1);
        double dup = pick(rnd, 0.0, 0.02, 0.1);
        double reorder = pick(rnd, 0.0, 0.05, 0.2);
        long maxDelay = pick(rnd, 0L, 10L, 30L);
        SimConfig config = new SimConfig(TICK_MS, drop, dup, reorder, 0, maxDelay);
        PaxosSim ps = new PaxosSim(seed, config, 3, log);
        Workload w = new Workload(rnd, ps);
        double crashRate = pick(rnd, 0.0, 0.005, 0.02);
        double partitionRate = pick(rnd, 0.0, 0.005, 0.02);
        for (int i = 0; i < FAULT_ROUNDS; i++) {
            injectFaults(rnd, ps, crashRate, partitionRate);
            w.drive();
            ps.round();
        }
        ps.sim.heal();
        for (String r : ps.replicas) {
            if (!ps.sim.isUp(r)) {
                ps.restart(r);
            }
        }
        // Progress after the faults: one more op per client, submitted after the last fault.
        // It lands in a slot above every slot used before, so a replica that applied it
        // applied the whole history.
        w.addFinalOps();
        long stoppedAt = ps.sim.rounds();
        int i = 0;
        while (!(w.done() && converged(ps))) {
            if (i++ >= RECOVERY_ROUNDS) {
                throw new AssertionError("no progress after the faults stopped at round " + stoppedAt + ": "
                    + w.describe() + "; leader " + ps.leader() + "; cursors " + cursors(ps));
            }
            w.drive();
            ps.round();
        }
        Map<String, OverlogNode> live = new LinkedHashMap<>();
        for (String r : ps.replicas) {
            live.put(r, ps.node(r));
        }
        List<PaxosChecker.Entry> history = ps.checker.checkFinal(live, ps.acked());
        Map<Object, Object> expected = PaxosChecker.modelAfter(history);
        for (String r : ps.replicas) {
            Map<Object, Object> kv = new HashMap<>();
            for (Tuple t : ps.node(r).contents("kv")) {
                kv.put(t.get(0), t.get(1));
            }
            if (!kv.equals(new HashMap<>(expected))) {
                throw new AssertionError(r + " holds " + kv + " but the sequential store holds " + expected
                    + " after the agreed history " + history);
            }
        }
        return ps.sim.rounds();
    }

    private static void injectFaults(SplittableRandom rnd, PaxosSim ps, double crashRate, double partitionRate) {
        if (rnd.nextDouble() < crashRate) {
            String leader = ps.leader();
            String victim = leader != null && rnd.nextBoolean() ? leader : ps.replicas.get(rnd.nextInt(ps.replicas.size()));
            if (ps.sim.isUp(victim)) {
                ps.crash(victim);
            }
        }
        if (rnd.nextDouble() < crashRate * 2) {
            String r = ps.replicas.get(rnd.nextInt(ps.replicas.size()));
            if (!ps.sim.isUp(r)) {
                ps.restart(r);
            }
        }
        if (rnd.nextDouble() < partitionRate) {
            String leader = ps.leader();
            String side = leader != null && rnd.nextBoolean() ? leader : ps.replicas.get(rnd.nextInt(ps.replicas.size()));
            List<String> cut = new ArrayList<>(List.of(side));
            if (rnd.nextBoolean()) {
                cut.add(PaxosSim.CLIENT);
            }
            ps.sim.partition(cut);
        }
        if (rnd.nextDouble() < partitionRate * 2) {
            ps.sim.heal();
        }
    }

    /** Every replica applied the same slots and no proposal is left in flight. */
    static boolean converged(PaxosSim ps) {
        List<Tuple> first = null;
        for (String r : ps.replicas) {
            List<Tuple> c = ps.node(r).contents("l_next");
            if (first == null) {
                first = c;
            } else if (!first.equals(c)) {
                return false;
            }
            if (!ps.node(r).contents("p_proposal").isEmpty()) {
                return false;
            }
        }
        return true;
    }

    static String cursors(PaxosSim ps) {
        StringBuilder sb = new StringBuilder();
        for (String r : ps.replicas) {
            sb.append(r).append('=').append(ps.node(r).contents("l_next")).append(' ');
        }
        return sb.toString().trim();
    }

    @SafeVarargs
    private static <T> T pick(SplittableRandom rnd, T... options) {
        return options[rnd.nextInt(options.length)];
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    /** Three clients, each with a random list of ops submitted one at a time. */
    static final class Workload {
        final PaxosSim ps;
        final Map<String, List<List<Object>>> ops = new LinkedHashMap<>();
        final Map<String, Integer> next = new HashMap<>();

        Workload(SplittableRandom rnd, PaxosSim ps) {
            this.ps = ps;
            for (int c = 1; c <= CLIENTS; c++) {
                List<List<Object>> list = new ArrayList<>();
                int n = 5 + rnd.nextInt(6);
                for (int k = 0; k < n; k++) {
                    list.add(randomOp(rnd, "c" + c + "-" + k));
                }
                ops.put("c" + c, list);
                next.put("c" + c, 0);
            }
        }

        private static List<Object> randomOp(SplittableRandom rnd, String value) {
            String key = KEYS[rnd.nextInt(KEYS.length)];
            switch (rnd.nextInt(4)) {
                case 0:
                    return List.of("put", key, value);
                case 1:
                    return List.of("get", key);
                case 2: {
                    List<Object> cas = new ArrayList<>(List.of("cas", key));
                    cas.add(rnd.nextBoolean() ? null : "c1-" + rnd.nextInt(4));
                    cas.add(value);
                    return java.util.Collections.unmodifiableList(cas);
                }
                default:
                    return List.of("delete", key);
            }
        }

        void addFinalOps() {
            for (Map.Entry<String, List<List<Object>>> e : ops.entrySet()) {
                e.getValue().add(List.of("put", "final", e.getKey()));
            }
        }

        /** Submits each client's next op once its previous one is answered. */
        void drive() {
            Map<String, Long> answered = new HashMap<>();
            for (Tuple t : ps.acked()) {
                answered.merge((String) t.get(0), (Long) t.get(1), Math::max);
            }
            for (Map.Entry<String, List<List<Object>>> e : ops.entrySet()) {
                String cid = e.getKey();
                int k = next.get(cid);
                long done = answered.getOrDefault(cid, 0L);
                if (k < e.getValue().size() && done == k) {
                    ps.submit(cid, k + 1, e.getValue().get(k));
                    next.put(cid, k + 1);
                }
            }
        }

        boolean done() {
            Map<String, Long> answered = new HashMap<>();
            for (Tuple t : ps.acked()) {
                answered.merge((String) t.get(0), (Long) t.get(1), Math::max);
            }
            for (Map.Entry<String, List<List<Object>>> e : ops.entrySet()) {
                if (answered.getOrDefault(e.getKey(), 0L) < e.getValue().size()) {
                    return false;
                }
            }
            return true;
        }

        String describe() {
            return "answered " + ps.acked().size() + " of " + ops.values().stream().mapToInt(List::size).sum() + " ops";
        }
    }
}
