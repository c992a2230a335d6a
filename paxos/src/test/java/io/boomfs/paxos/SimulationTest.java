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
    static final java.util.concurrent.atomic.AtomicLong REPLACED = new java.util.concurrent.atomic.AtomicLong();
    static final java.util.concurrent.atomic.AtomicLong TRANSFERS = new java.util.concurrent.atomic.AtomicLong();

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
        System.out.printf("paxos simulation: %d seeds from %d, %d rounds, %.1f s; %d checkpoints, %d snapshots installed,"
            + " %d group changes, %d leadership transfers asked%n", n, first, rounds, (System.nanoTime() - start) / 1e9,
            PaxosSim.CHECKPOINTS.get(), PaxosSim.INSTALLS.get(), REPLACED.get(), TRANSFERS.get());
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

    /** A group of one replica chooses alone: its own acceptance is a majority. */
    @Test
    void groupOfOneChoosesAlone() {
        PaxosSim ps = new PaxosSim(3, SimConfig.noFaults(TICK_MS), 1, quiet());
        ps.rounds(100);
        assertEquals("r1", ps.leader(), "the only replica leads");
        ps.submit("x", 1, List.of("put", "a", "1"));
        ps.rounds(10);
        ps.submit("x", 2, List.of("cas", "a", "1", "2"));
        ps.rounds(10);
        assertEquals(List.of(new Tuple("c_acked", "x", 1L, "ok"), new Tuple("c_acked", "x", 2L, true)), ps.acked());
        assertEquals(List.of(new Tuple("kv", "a", "2")), ps.node("r1").contents("kv"));
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
        // A third of the runs truncate their logs every few slots and keep almost nothing
        // behind, so that lagging and restarted replicas catch up from snapshots; a quarter
        // replace r3 by a spare r4 through the log while the faults go on.
        Map<String, Long> settings = new LinkedHashMap<>();
        if (rnd.nextInt(3) == 0) {
            settings.put("checkpoint_slots", pick(rnd, 2L, 3L, 5L));
            settings.put("retain_slots", pick(rnd, 0L, 1L, 4L));
        }
        boolean replace = rnd.nextInt(4) == 0;
        PaxosSim ps = new PaxosSim(seed, config, 3, replace, settings, log);
        log.println("settings " + settings + (replace ? ", r3 replaced by r4" : ""));
        Workload w = new Workload(rnd, ps, replace);
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
                    + w.describe() + "; leader " + ps.leader() + "; members " + ps.members() + "; applied "
                    + cursors(ps));
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
        for (Map.Entry<String, List<Tuple>> e : ps.stores().entrySet()) {
            Map<Object, Object> kv = new HashMap<>();
            for (Tuple t : e.getValue()) {
                kv.put(t.get(0), t.get(1));
            }
            if (!kv.equals(new HashMap<>(expected))) {
                throw new AssertionError(e.getKey() + " holds " + kv + " but the sequential store holds " + expected
                    + " after the agreed history " + history);
            }
        }
        if (replace) {
            List<String> members = ps.members();
            if (!members.equals(List.of("r1", "r2", "r4"))) {
                throw new AssertionError("the group is " + members + " after replacing r3 by r4");
            }
        }
        w.checkReads(history);
        if (replace) {
            REPLACED.incrementAndGet();
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
        // An operator's leadership transfer (boom admin transfer-leader), as often as a crash: the
        // leader is asked to hand over to another replica, which may be down, cut off or behind.
        if (rnd.nextDouble() < crashRate) {
            String leader = ps.leader();
            String to = ps.replicas.get(rnd.nextInt(ps.replicas.size()));
            if (leader != null && ps.sim.isUp(leader) && !to.equals(leader)) {
                ps.node(leader).load(new Tuple("px_transfer", leader, to));
                TRANSFERS.incrementAndGet();
            }
        }
    }

    /** Every member applied the same slots and no proposal is left in flight. */
    static boolean converged(PaxosSim ps) {
        List<Tuple> first = null;
        for (String r : ps.members()) {
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

    /**
     * Three clients, each with a random list of ops submitted one at a time (writes through
     * the log, gets as linearizable reads), and, when the group changes, an admin client that
     * asks for it once, partway. Every op's submit and answer rounds are kept for the read check.
     */
    static final class Workload {
        /** One op of a client: a request (write) or a read; rounds when sent and answered. */
        static final class Op {
            final List<Object> op;
            final boolean read;
            long id;
            long sentRound = -1;
            long answeredRound = -1;
            Object result;

            Op(List<Object> op, boolean read) {
                this.op = op;
                this.read = read;
            }
        }

        final PaxosSim ps;
        final Map<String, List<Op>> ops = new LinkedHashMap<>();
        final Map<String, Integer> next = new HashMap<>();
        final long replaceAt;

        Workload(SplittableRandom rnd, PaxosSim ps, boolean replace) {
            this.ps = ps;
            for (int c = 1; c <= CLIENTS; c++) {
                List<Op> list = new ArrayList<>();
                int n = 5 + rnd.nextInt(6);
                for (int k = 0; k < n; k++) {
                    list.add(randomOp(rnd, "c" + c + "-" + k));
                }
                ops.put("c" + c, list);
                next.put("c" + c, 0);
            }
            replaceAt = replace ? 20 + rnd.nextInt(FAULT_ROUNDS / 2) : -1;
        }

        private static Op randomOp(SplittableRandom rnd, String value) {
            String key = KEYS[rnd.nextInt(KEYS.length)];
            switch (rnd.nextInt(5)) {
                case 0:
                    return new Op(List.of("put", key, value), false);
                case 1:
                    return new Op(List.of("get", key), false);
                case 2: {
                    List<Object> cas = new ArrayList<>(List.of("cas", key));
                    cas.add(rnd.nextBoolean() ? null : "c1-" + rnd.nextInt(4));
                    cas.add(value);
                    return new Op(java.util.Collections.unmodifiableList(cas), false);
                }
                case 3:
                    return new Op(List.of("get", key), true);
                default:
                    return new Op(List.of("delete", key), false);
            }
        }

        void addFinalOps() {
            for (Map.Entry<String, List<Op>> e : ops.entrySet()) {
                e.getValue().add(new Op(List.of("put", "final", e.getKey()), false));
            }
        }

        /** Records answers, then submits each client's next op once its previous one is answered. */
        void drive() {
            long now = ps.sim.rounds();
            Map<String, Map<Long, Object>> writes = new HashMap<>();
            for (Tuple t : ps.acked()) {
                writes.computeIfAbsent((String) t.get(0), k -> new HashMap<>()).put((Long) t.get(1), t.get(2));
            }
            Map<String, Map<Long, Object>> reads = new HashMap<>();
            for (Tuple t : ps.readsAcked()) {
                reads.computeIfAbsent((String) t.get(0), k -> new HashMap<>()).put((Long) t.get(1), t.get(2));
            }
            for (Map.Entry<String, List<Op>> e : ops.entrySet()) {
                String cid = e.getKey();
                for (Op op : e.getValue()) {
                    Map<Long, Object> answers = (op.read ? reads : writes).getOrDefault(cid, Map.of());
                    if (op.sentRound >= 0 && op.answeredRound < 0 && answers.containsKey(op.id)) {
                        op.answeredRound = now;
                        op.result = answers.get(op.id);
                    }
                }
                int k = next.get(cid);
                List<Op> list = e.getValue();
                if (k < list.size() && (k == 0 || list.get(k - 1).answeredRound >= 0)) {
                    Op op = list.get(k);
                    op.id = 1 + list.subList(0, k).stream().filter(o -> o.read == op.read).count();
                    op.sentRound = now;
                    if (op.read) {
                        ps.submitRead(cid, op.id, op.op);
                    } else {
                        ps.submit(cid, op.id, op.op);
                    }
                    next.put(cid, k + 1);
                }
            }
            if (now == replaceAt) {
                ps.submit("admin", 1, List.of("px_replace", "r3", "r4", 4L));
            }
        }

        boolean done() {
            if (replaceAt >= 0 && ps.acked().stream().noneMatch(t -> t.get(0).equals("admin"))) {
                return false;
            }
            for (List<Op> list : ops.values()) {
                if (list.get(list.size() - 1).answeredRound < 0) {
                    return false;
                }
            }
            return true;
        }

        String describe() {
            long all = ops.values().stream().mapToLong(List::size).sum();
            long answered = ops.values().stream().flatMap(List::stream).filter(o -> o.answeredRound >= 0).count();
            return "answered " + answered + " of " + all + " ops";
        }

        /**
         * Every read returned what its key held after some prefix of the agreed history that
         * contains every write acknowledged before the read was sent and no write sent after
         * it was answered: no read is stale, none sees the future.
         */
        void checkReads(List<PaxosChecker.Entry> history) {
            Map<String, Integer> position = new HashMap<>();
            for (int i = 0; i < history.size(); i++) {
                position.put(history.get(i).clientId() + "#" + history.get(i).seq(), i);
            }
            for (Map.Entry<String, List<Op>> e : ops.entrySet()) {
                for (Op read : e.getValue()) {
                    if (!read.read) {
                        continue;
                    }
                    int lo = 0;
                    int hi = history.size();
                    for (Map.Entry<String, List<Op>> other : ops.entrySet()) {
                        for (Op w : other.getValue()) {
                            Integer at = w.read ? null : position.get(other.getKey() + "#" + w.id);
                            if (at == null) {
                                continue;
                            }
                            if (w.answeredRound >= 0 && w.answeredRound < read.sentRound) {
                                lo = Math.max(lo, at + 1);
                            }
                            if (w.sentRound > read.answeredRound) {
                                hi = Math.min(hi, at);
                            }
                        }
                    }
                    Object key = read.op.get(1);
                    KvModel model = new KvModel();
                    boolean found = false;
                    for (int p = 0; p <= history.size() && !found; p++) {
                        if (p >= lo && p <= hi && java.util.Objects.equals(model.contents().get(key), read.result)) {
                            found = true;
                        }
                        if (p < history.size()) {
                            model.apply(history.get(p).op());
                        }
                    }
                    if (!found) {
                        throw new AssertionError("read " + e.getKey() + "/" + read.id + " " + read.op + " sent in round "
                            + read.sentRound + " and answered in round " + read.answeredRound + " returned " + read.result
                            + ", which " + key + " held after none of the history prefixes " + lo + ".." + hi + " of "
                            + history);
                    }
                }
            }
        }
    }
}
