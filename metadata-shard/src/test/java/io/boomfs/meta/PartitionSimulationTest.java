package io.boomfs.meta;

import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.sim.SimConfig;
import io.boomfs.engine.sim.Simulator;
import io.boomfs.paxos.ReplicatedLog;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The namespace over two or three shard groups (issue 8) on the deterministic simulator: drops,
 * duplicates, reordering, delays, and crashes and restarts of any replica (leaders of
 * coordinators and participants included, at whatever step of a cross-shard operation they are).
 * Clients drive their ops with {@link Router} (redirects, WRONG_SHARD, retries, transactions).
 *
 * <ul>
 *   <li>{@link #ownSubtrees}: each client works in a subtree of its own (mkdirs, create, delete,
 *   rename of files and directories, setattr, stat, list), so every result is that of
 *   {@link NamespaceModel} for the client alone, and each subtree ends as its model's;</li>
 *   <li>{@link #conflictingRenames}: clients rename directories into each other ({@code a -> b/x}
 *   while {@code b -> a/y}) and make and delete directories in one tree: no cycle, no orphan.</li>
 * </ul>
 * Meanwhile vparts move between groups ({@code mv_begin} at random times, the root's vpart too),
 * while the clients work and replicas crash. After every run: each group's log agrees on every
 * position; every vpart has one owner and group 0's map names it; every directory entry has its
 * anchor (in the group that owns its vpart, with the entry's parent and name), every file entry
 * its inode; no lock is left, every transaction and move is done and every drop was taken.
 *
 * <p>{@code -Dpart.seeds=N} (default 60) and {@code -Dseed=S} to replay one.
 */
class PartitionSimulationTest {
    static final long TICK_MS = 10;
    private static final Program REPLICA = MetaShard.compile();
    private static final Program CLIENT = ReplicatedLog.compileClient();
    static final AtomicLong TXS = new AtomicLong();
    static final AtomicLong REDIRECTS = new AtomicLong();
    static final AtomicLong RETRIES = new AtomicLong();
    /** Ops refused PERMISSION, and of them those a rename's destination group refused at its prepare. */
    static final AtomicLong DENIED = new AtomicLong();
    static final AtomicLong DENIED_THERE = new AtomicLong();

    @Test
    void ownSubtrees() {
        seeds("own subtrees", false);
    }

    @Test
    void conflictingRenames() {
        seeds("conflicting renames", true);
    }

    /**
     * Own subtrees, each client as a user who is not a superuser (issue 10): its subtree made
     * and given to it by a superuser, then random ops with random modes, checked against
     * {@link PermissionModel}; renames and mkdirs that cross groups check the rights where each
     * directory is (a rename's destination at its prepare).
     */
    @Test
    void ownSubtreesAsUsers() {
        seeds("own subtrees as users", false, true);
    }

    /**
     * A crowd: 64 clients at once make their directories under one shared parent, then create
     * files and make directories in them, as {@code boom bench scale}'s setups and loads do, on two
     * groups of 256 vparts (so that about half of the mkdirs cross groups; reads go as reads, and a
     * transaction's result waits at its coordinator). Every op answers ok and the run ends. (On
     * processes, the groups' state machine requests went through the log one a millisecond and
     * were sent again every 200 ms: the transactions' prepares and decisions queued until every
     * transaction timed out; -Dcrowd.seeds=N, default 2: the first on a clean network.)
     */
    @Test
    void crowdOfMkdirs() {
        for (long seed = 1; seed <= Integer.getInteger("crowd.seeds", 2); seed++) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            try {
                REDIRECTS.set(0);
                TXS.set(0);
                RETRIES.set(0);
                long t0 = System.nanoTime();
                Run run = new Run(seed, false, false, 64, new PrintStream(buf, true, StandardCharsets.UTF_8));
                long ops = run.go();
                System.out.printf("crowd seed %d: %d ops in %d rounds (%.1f s), %d redirects, %d transactions, %d retries;"
                    + " applied by group %s%n", seed, ops, run.rounds, (System.nanoTime() - t0) / 1e9, REDIRECTS.get(), TXS.get(),
                    RETRIES.get(), run.appliedByGroup());
            } catch (AssertionError | RuntimeException e) {
                System.out.print(buf.toString(StandardCharsets.UTF_8));
                fail("SEED=" + seed + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * A write on a vpart another group owns is answered WRONG_SHARD by the leader at once, and
     * never goes through the log (learner.olg: op_answer): the client's session there stays at
     * its last logged op. A malformed write on such a vpart still goes through the log, and gets
     * the log's answer. A write on a vpart frozen for a move is answered RETRY the same way.
     */
    @Test
    void aWriteOnAnotherGroupsVpartIsAnsweredWithoutTheLog() {
        Simulator sim = new Simulator(5, new SimConfig(TICK_MS, 0.0, 0.0, 0.0, 0, 0L), new PrintStream(OutputStream.nullOutputStream()));
        List<String> g0 = List.of("g0r1", "g0r2", "g0r3");
        for (String r : g0) {
            sim.addNode(r, REPLICA);
            for (Tuple t : ReplicatedLog.configuration(g0, 5, Map.of())) {
                sim.load(r, t);
            }
            sim.load(r, new Tuple("px_config", "sm.group", 0L));
            sim.load(r, new Tuple("px_config", "sm.groups", 2L));
            sim.load(r, new Tuple("px_config", "sm.vparts", 4L));
        }
        sim.addNode("cl", CLIENT);
        for (String r : g0) {
            sim.load("cl", new Tuple("c_replica", r));
        }
        // Vpart 1 is group 1's (1 % 2): a file id there, and a directory id there as a create's hint.
        long file = MetaShard.id(1, 1, 7);
        List<Object> first = List.of("create", List.of("f"), false, 3L, 1024L, "h", 420L, "u", 2L);
        List<Object> complete = java.util.Arrays.asList("complete", file, "h", null, 5L);
        List<Object> create = List.of("create", List.of(List.of("d", "f"), 0L, MetaShard.id(1, 1, 9), 1L), false, 3L, 1024L, "h", 420L,
            "u", 2L);
        List<Object> badComplete = java.util.Arrays.asList("complete", file, "h", null, "five");
        // Then vpart 0 (the root's, group 0's own) frozen as for a move: a create there is told to retry.
        List<Object> frozen = List.of("create", List.of("g"), false, 3L, 1024L, "h", 420L, "u", 2L);
        // Then the target took vpart 0 (its mv_owned came back, at map epoch 3): the writer goes there at once.
        List<Object> taken = List.of("create", List.of("k"), false, 3L, 1024L, "h", 420L, "u", 2L);
        List<List<Object>> ops = List.of(first, complete, create, badComplete, frozen, taken);
        List<Object> answers = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            long seq = i + 1;
            if (ops.get(i) == frozen) {
                for (String r : g0) {
                    sim.load(r, new Tuple("mv_frozen", 0L));
                }
            }
            if (ops.get(i) == taken) {
                for (String r : g0) {
                    sim.load(r, new Tuple("mv_taken", 0L, 1L, 3L));
                }
            }
            sim.load("cl", new Tuple("c_submit", "t", seq, ops.get(i)));
            Object answer = null;
            for (int round = 0; round < 3_000 && answer == null; round++) {
                sim.round();
                for (Tuple t : sim.node("cl").contents("c_acked")) {
                    if (t.get(1).equals(seq)) {
                        answer = t.get(2);
                    }
                }
            }
            assertNotNull(answer, ops.get(i) + ": no answer");
            answers.add(answer);
            // The session's last logged op, on every replica that has applied it.
            long logged = 0;
            for (String r : g0) {
                for (Tuple t : sim.node(r).contents("l_session")) {
                    if (t.get(0).equals("t")) {
                        logged = Math.max(logged, (Long) t.get(1));
                    }
                }
            }
            answers.add(logged);
        }
        assertEquals("ok", ((List<?>) answers.get(0)).get(0), "create /f (vpart 0, group 0's): " + answers);
        assertEquals(1L, answers.get(1));
        assertEquals(List.of("error", "WRONG_SHARD", "vpart 1 is in group 1, not 0", 0L, 1L), answers.get(2));
        assertEquals(1L, answers.get(3), "complete went through the log: " + answers);
        assertEquals(java.util.Arrays.asList("@", 0L, null, List.of("error", "WRONG_SHARD", "vpart 1 is in group 1, not 0", 0L, 1L)), answers.get(4),
            "a hinted create is answered as the log would");
        assertEquals(1L, answers.get(5), "create went through the log: " + answers);
        assertEquals("INVALID_OP", ((List<?>) answers.get(6)).get(1), "a malformed op: " + answers);
        assertEquals(4L, answers.get(7), "a malformed op goes through the log: " + answers);
        assertEquals(List.of("error", "RETRY", "a vpart is moving: try again", 10L), answers.get(8));
        assertEquals(4L, answers.get(9), "a create on a frozen vpart went through the log: " + answers);
        assertEquals(List.of("error", "WRONG_SHARD", "vpart 0 is in group 1, not 0", 3L, 1L), answers.get(10),
            "a create on a vpart the target took: " + answers);
        assertEquals(4L, answers.get(11), "a create on a vpart the target took went through the log: " + answers);
    }

    private void seeds(String what, boolean conflicts) {
        seeds(what, conflicts, false);
    }

    private void seeds(String what, boolean conflicts, boolean users) {
        String one = System.getProperty("seed");
        if (one != null && !one.isBlank()) {
            new Run(Long.parseLong(one.trim()), conflicts, users, System.out).go();
            return;
        }
        int n = Integer.getInteger("part.seeds", 60);
        long start = System.nanoTime();
        long ops = 0;
        TXS.set(0);
        Run.MOVES.set(0);
        Run.MOVED.set(0);
        REDIRECTS.set(0);
        RETRIES.set(0);
        DENIED.set(0);
        DENIED_THERE.set(0);
        for (long seed = 1; seed <= n; seed++) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            try {
                ops += new Run(seed, conflicts, users, new PrintStream(buf, true, StandardCharsets.UTF_8)).go();
            } catch (AssertionError | RuntimeException e) {
                System.out.print(buf.toString(StandardCharsets.UTF_8));
                fail("SEED=" + seed + " (replay: -Dseed=" + seed + "): " + e.getMessage(), e);
            }
        }
        System.out.printf("partition simulation, %s: %d seeds, %d ops (%d transactions, %d redirects, %d retries),"
            + " %d vpart moves asked, %d vparts moved at the end, %.1f s%n", what, n, ops, TXS.get(), REDIRECTS.get(), RETRIES.get(),
            Run.MOVES.get(), Run.MOVED.get(),
            (System.nanoTime() - start) / 1e9);
        if (users) {
            System.out.printf("  as users: %d ops refused PERMISSION, %d of them by a rename's destination group%n", DENIED.get(),
                DENIED_THERE.get());
            assertTrue(DENIED_THERE.get() > 0, "no rename was refused by its destination's group: the check there went untried");
        }
    }

    /** One seeded run. */
    static final class Run {
        final long seed;
        final boolean conflicts;
        final boolean users;
        /** Clients of a crowd (crowdOfMkdirs), 0 for the random runs. */
        final int crowd;
        final PrintStream log;
        final SplittableRandom rnd;
        final int groups;
        final long vparts;
        final Simulator sim;
        final List<List<String>> members = new ArrayList<>();
        final Map<String, Long> settings;
        int rounds;

        Run(long seed, boolean conflicts, boolean users, PrintStream log) {
            this(seed, conflicts, users, 0, log);
        }

        Run(long seed, boolean conflicts, boolean users, int crowd, PrintStream log) {
            this.seed = seed;
            this.conflicts = conflicts;
            this.users = users;
            this.crowd = crowd;
            this.log = log;
            this.rnd = new SplittableRandom(seed * 131 + 3);
            this.groups = crowd > 0 ? 2 : 2 + rnd.nextInt(2);
            this.vparts = crowd > 0 ? 256 : 4 + rnd.nextInt(13);
            double drop = crowd > 0 || rnd.nextBoolean() ? 0.0 : 0.05;
            // A crowd's first seed runs on a clean network, the others with some loss and delay.
            SimConfig config = crowd > 0 ? (seed == 1 ? new SimConfig(TICK_MS, 0.0, 0.0, 0.0, 0, 0L)
                : new SimConfig(TICK_MS, 0.02, 0.02, 0.05, 0, 20L))
                : new SimConfig(TICK_MS, drop, rnd.nextBoolean() ? 0.0 : 0.05, rnd.nextBoolean() ? 0.0 : 0.1, 0,
                rnd.nextBoolean() ? 0L : 20L);
            this.sim = new Simulator(seed, config, log);
            this.settings = rnd.nextBoolean() ? Map.of() : Map.of("checkpoint_slots", 3L, "retain_slots", 1L);
        }

        private void configure(String r, int g) {
            for (Map.Entry<String, Long> s : settings.entrySet()) {
                sim.load(r, new Tuple("px_config", s.getKey(), s.getValue()));
            }
            sim.load(r, new Tuple("px_config", "sm.group", (long) g));
            sim.load(r, new Tuple("px_config", "sm.groups", (long) groups));
            sim.load(r, new Tuple("px_config", "sm.vparts", vparts));
            for (int h = 0; h < groups; h++) {
                for (String m : members.get(h)) {
                    sim.load(r, new Tuple("ns_group", (long) h, m));
                }
            }
        }

        long go() {
            for (int g = 0; g < groups; g++) {
                members.add(List.of("g" + g + "r1", "g" + g + "r2", "g" + g + "r3"));
            }
            for (int g = 0; g < groups; g++) {
                for (String r : members.get(g)) {
                    sim.addNode(r, REPLICA);
                    for (Tuple t : ReplicatedLog.configuration(members.get(g), rnd.nextLong(), settings)) {
                        sim.load(r, t);
                    }
                    configure(r, g);
                }
                sim.addNode("cl" + g, CLIENT);
                for (String r : members.get(g)) {
                    sim.load("cl" + g, new Tuple("c_replica", r));
                }
            }
            List<Client> clients = crowd > 0 ? crowdClients() : randomClients();
            List<String> all = new ArrayList<>();
            members.forEach(all::addAll);
            Map<String, Integer> down = new HashMap<>();
            for (int round = 0; round < 20_000; round++) {
                if (crowd == 0 && round < 600 && rnd.nextDouble() < 0.01 && down.isEmpty()) {
                    String r = all.get(rnd.nextInt(all.size()));
                    sim.crash(r);
                    down.put(r, round + 20 + rnd.nextInt(80));
                }
                for (Map.Entry<String, Integer> d : new ArrayList<>(down.entrySet())) {
                    if (round >= d.getValue()) {
                        String r = d.getKey();
                        sim.restart(r);
                        sim.load(r, new Tuple("e_seed", rnd.nextLong()));
                        configure(r, Integer.parseInt(r.substring(1, r.indexOf('r'))));
                        down.remove(r);
                    }
                }
                if (crowd == 0 && round < 600 && rnd.nextDouble() < 0.006) {
                    startMove();
                }
                boolean done = true;
                for (Client c : clients) {
                    c.step(this, round);
                    done &= c.finished();
                }
                List<String> dies = sim.round();
                if (!dies.isEmpty()) {
                    throw new AssertionError("invariant violated: " + dies);
                }
                checkLogs();
                rounds = round;
                if (done && down.isEmpty() && quiet()) {
                    long ops = 0;
                    for (Client c : clients) {
                        ops += c.checked;
                    }
                    checkState(clients);
                    checkLoad();
                    return ops;
                }
            }
            StringBuilder sb = new StringBuilder("the run did not end:");
            for (Client c : clients) {
                sb.append("\n  ").append(c.name).append(" at op ").append(c.next).append(" of ").append(c.work.size())
                    .append(": ").append(c.call).append(" (sent seq ").append(c.sentSeq).append(" to group ").append(c.sentGroup)
                    .append(", wait until ").append(c.waitUntil).append("; acked there: ")
                    .append(c.sentGroup < 0 ? "" : sim.node("cl" + c.sentGroup).contents("c_acked").stream()
                        .filter(t -> t.get(0).equals(c.name)).map(t -> t.get(1) + "=" + t.get(2)).toList()).append(")");
            }
            for (String r : all) {
                if (sim.isUp(r)) {
                    sb.append("\n  ").append(r).append(" tx ").append(sim.node(r).contents("tx")).append(" locks ")
                        .append(sim.node(r).contents("tx_lock")).append(" outq ").append(sim.node(r).contents("ns_outq"))
                        .append(" mv_out ").append(sim.node(r).contents("mv_out")).append(" moved ").append(sim.node(r).contents("ns_moved"))
                        .append(" coming ").append(sim.node(r).contents("mv_in_at")).append(" dropping ").append(sim.node(r).contents("mv_drop_at")).append(" epoch ").append(sim.node(r).contents("mv_epoch"));
                }
            }
            throw new AssertionError(sb.toString());
        }

        /** The crowd's clients: each makes its directory under one shared parent, then files and directories in it. */
        private List<Client> crowdClients() {
            List<Client> clients = new ArrayList<>();
            for (int c = 1; c <= crowd; c++) {
                Client cl = new Client("c" + c, List.of(), groups, vparts, rnd.split(), false);
                cl.strict = true;
                cl.work.add(List.of("mkdirs", List.of("bench", "create", "s" + c), 493L, "u", 1L));
                for (int k = 0; k < 3; k++) {
                    cl.work.add(List.of("create", List.of("bench", "create", "s" + c, "f" + k), false, 3L, 1024L, "h" + c, 420L, "u", 2L));
                    cl.work.add(List.of("mkdirs", List.of("bench", "create", "s" + c, "d" + k), 493L, "u", 1L));
                }
                clients.add(cl);
            }
            return clients;
        }

        /** Three clients of random ops: each in a subtree of its own, or all in one tree (conflicts). */
        private List<Client> randomClients() {
            List<Client> clients = new ArrayList<>();
            for (int c = 1; c <= 3; c++) {
                clients.add(new Client("c" + c, conflicts ? List.of() : List.of("c" + c), groups, vparts, rnd.split(), users));
            }
            // The subtrees first (each client's first op; as users, given to them by a superuser:
            // an op without a user), then random ops.
            for (Client c : clients) {
                if (!conflicts) {
                    c.work.add(List.of("mkdirs", List.of(c.name), 493L, "u", 1L));
                }
                if (users) {
                    c.work.add(java.util.Arrays.asList("setattr", List.of(c.name), null, c.name, null, null));
                }
                for (int k = 0; k < 14; k++) {
                    c.work.add(conflicts ? conflictOp(rnd) : c.prefixed(users ? userOp(rnd) : NamespaceSimulationTest.randomOp(rnd)));
                }
            }
            return clients;
        }

        private final Map<String, TreeMap<long[], Tuple>> history = new HashMap<>();

        /** How many log entries each group applied, in group order. */
        List<Integer> appliedByGroup() {
            List<Integer> out = new ArrayList<>();
            for (int g = 0; g < groups; g++) {
                out.add(history.getOrDefault("g" + g, new TreeMap<>()).size());
            }
            return out;
        }
        private final Map<Integer, Long> adminSeq = new HashMap<>();
        static final AtomicLong MOVES = new AtomicLong();
        static final AtomicLong MOVED = new AtomicLong();

        /** An operator asks the group it believes owns a random vpart to move it to another group. */
        private void startMove() {
            long v = rnd.nextInt((int) vparts);
            int from = owners().getOrDefault(v, (int) (v % groups));
            int to = (from + 1 + rnd.nextInt(groups - 1)) % groups;
            long seq = adminSeq.merge(from, 1L, Long::sum);
            sim.load("cl" + from, new Tuple("c_submit", "adm", seq, List.of("mv_begin", v, (long) to)));
            MOVES.incrementAndGet();
        }

        /** Each vpart's owner, from the groups' own records (asserting there is exactly one). */
        Map<Long, Integer> owners() {
            Map<Long, Integer> out = new HashMap<>();
            for (long v = 0; v < vparts; v++) {
                List<Integer> owning = new ArrayList<>();
                for (int g = 0; g < groups; g++) {
                    Long to = null;
                    for (Tuple t : sim.node(members.get(g).get(0)).contents("ns_moved")) {
                        if ((Long) t.get(0) == v) {
                            to = (Long) t.get(1);
                        }
                    }
                    if (to != null ? to == g : v % groups == g) {
                        owning.add(g);
                    }
                }
                if (owning.size() == 1) {
                    out.put(v, owning.get(0));
                }
            }
            return out;
        }

        /**
         * Each group's {@code load} (what rebalancing plans from) counts the directories, files and
         * bytes of the vparts it owns and nothing of the copies it holds or drops: asked at
         * quiescence as a read, compared with the group's tables.
         */
        private void checkLoad() {
            Map<Long, Integer> own = owners();
            for (int g = 0; g < groups; g++) {
                long rid = 1_000_000L + g;
                sim.load("cl" + g, new Tuple("c_read_submit", "adm", rid, List.of("load")));
                Object result = null;
                for (int round = 0; round < 3_000 && result == null; round++) {
                    sim.round();
                    for (Tuple t : sim.node("cl" + g).contents("c_read_acked")) {
                        if (t.get(0).equals("adm") && t.get(1).equals(rid)) {
                            result = t.get(2);
                        }
                    }
                }
                if (result == null) {
                    throw new AssertionError("group " + g + " did not answer load");
                }
                Map<List<Object>, Long> expected = new HashMap<>();
                OverlogNode n = sim.node(members.get(g).get(0));
                for (Tuple t : n.contents("dir")) {
                    long v = MetaShard.vpart((Long) t.get(0));
                    if (own.get(v) == g) {
                        expected.merge(List.of(v, "dirs"), 1L, Long::sum);
                    }
                }
                for (Tuple t : n.contents("fstate")) {
                    long v = MetaShard.vpart((Long) t.get(0));
                    if (own.get(v) == g) {
                        expected.merge(List.of(v, "files"), 1L, Long::sum);
                        expected.merge(List.of(v, "bytes"), (Long) t.get(1), Long::sum);
                    }
                }
                Map<List<Object>, Long> got = new HashMap<>();
                for (Object o : (List<?>) ((List<?>) result).get(1)) {
                    List<?> x = (List<?>) o;
                    got.put(List.of(x.get(0), x.get(1)), (Long) x.get(2));
                }
                assertEquals(expected, got, "group " + g + "'s load");
            }
        }

        /** Every replica of a group applied the same entry at every position. */
        private void checkLogs() {
            for (int g = 0; g < groups; g++) {
                TreeMap<long[], Tuple> h = history.computeIfAbsent("g" + g, k -> new TreeMap<>(
                    java.util.Comparator.<long[]>comparingLong(p -> p[0]).thenComparingLong(p -> p[1])));
                for (String r : members.get(g)) {
                    if (sim.isUp(r)) {
                        for (Tuple t : sim.node(r).contents("l_applied")) {
                            long[] pos = {(Long) t.get(0), (Long) t.get(1)};
                            Tuple before = h.putIfAbsent(pos, t);
                            if (before != null && !before.equals(t)) {
                                throw new AssertionError("group " + g + ": replicas applied " + before + " and " + t);
                            }
                        }
                    }
                }
            }
        }

        /**
         * Every group agrees on its log, and no transaction, lock, drop or queued request is left,
         * nor anything of a copy at its source (cleaned up a bucket a step, 500 ms after the move).
         */
        private boolean quiet() {
            for (int g = 0; g < groups; g++) {
                Object first = sim.node(members.get(g).get(0)).contents("l_next");
                for (String r : members.get(g)) {
                    OverlogNode n = sim.node(r);
                    if (!n.contents("l_next").equals(first) || !n.contents("p_proposal").isEmpty()
                        || !n.contents("tx_lock").isEmpty() || !n.contents("ns_drop_out").isEmpty() || !n.contents("ns_garbage").isEmpty()
                        || !n.contents("mv_out").isEmpty() || !n.contents("mv_in_at").isEmpty() || !n.contents("mv_drop_at").isEmpty()
                        || !n.contents("mv_open").isEmpty() || !n.contents("mv_sent").isEmpty() || !n.contents("mv_quiet").isEmpty()
                        || n.contents("tx").stream().anyMatch(t -> !"done".equals(t.get(3)))) {
                        return false;
                    }
                }
            }
            return true;
        }

        private Map<Long, Integer> owner;

        int ownerOf(long id) {
            return owner.get(MetaShard.vpart(id));
        }

        private void checkState(List<Client> clients) {
            owner = owners();
            MOVED.addAndGet(sim.node(members.get(0).get(0)).contents("ns_moved").size());
            for (int g = 0; g < groups; g++) {
                for (Tuple t : sim.node("cl" + g).contents("c_acked")) {
                    if (t.get(0).equals("adm")) {
                        log.println("move asked of group " + g + ": " + t.get(2));
                    }
                }
            }
            if (owner.size() != vparts) {
                throw new AssertionError("vparts without exactly one owner: " + (vparts - owner.size()));
            }
            for (Tuple t : sim.node(members.get(0).get(0)).contents("ns_moved")) {
                if (!owner.get((Long) t.get(0)).equals(((Long) t.get(1)).intValue())) {
                    throw new AssertionError("group 0's map says " + t + " but vpart " + t.get(0) + " is group "
                        + owner.get((Long) t.get(0)) + "'s");
                }
            }
            // Entries by parent, each from the group that owns the parent.
            Map<Long, List<Tuple>> children = new HashMap<>();
            for (int g = 0; g < groups; g++) {
                OverlogNode n = sim.node(members.get(g).get(0));
                for (Tuple t : n.contents("entry")) {
                    if (ownerOf((Long) t.get(0)) != g) {
                        throw new AssertionError("group " + g + " holds " + t + " of a parent in group " + ownerOf((Long) t.get(0)));
                    }
                    children.computeIfAbsent((Long) t.get(0), k -> new ArrayList<>()).add(t);
                }
                for (String r : members.get(g)) {
                    assertEquals(n.contents("entry"), sim.node(r).contents("entry"), r + "'s entries");
                    assertEquals(n.contents("dir"), sim.node(r).contents("dir"), r + "'s anchors");
                }
            }
            Map<Long, Tuple> anchors = new HashMap<>();
            java.util.Set<Long> inodes = new java.util.HashSet<>();
            for (int g = 0; g < groups; g++) {
                OverlogNode n = sim.node(members.get(g).get(0));
                for (Tuple t : n.contents("dir")) {
                    long id = (Long) t.get(0);
                    if (id != 1 && ownerOf(id) != g) {
                        throw new AssertionError("group " + g + " holds the anchor " + t + " of vpart " + MetaShard.vpart(id));
                    }
                    if (id != 1 || g == ownerOf(1)) {
                        anchors.put(id, t);
                    }
                }
                for (Tuple t : n.contents("inode")) {
                    inodes.add((Long) t.get(0));
                }
            }
            // Walk from the root: every entry's object is there, a directory's anchor names the
            // entry, and no directory is reached twice (no cycle).
            TreeMap<List<String>, Boolean> tree = new TreeMap<>(NamespaceModel::compare);
            java.util.Set<Long> seen = new java.util.HashSet<>();
            walk(1L, List.of(), children, anchors, inodes, seen, tree);
            // Every anchor but the root's is reached: no orphan (garbage was all collected).
            for (Long id : anchors.keySet()) {
                if (id != 1 && !seen.contains(id)) {
                    throw new AssertionError("directory " + anchors.get(id) + " is not reachable from the root");
                }
            }
            for (Client c : clients) {
                if (c.model != null || c.perm != null) {
                    TreeMap<List<String>, Boolean> mine = new TreeMap<>(NamespaceModel::compare);
                    for (Map.Entry<List<String>, Boolean> e : tree.entrySet()) {
                        if (e.getKey().size() > 1 && e.getKey().get(0).equals(c.name)) {
                            mine.put(e.getKey().subList(1, e.getKey().size()), e.getValue());
                        }
                    }
                    TreeMap<List<String>, Boolean> expected = c.perm != null ? c.perm.tree() : c.model.tree();
                    if (!mine.equals(expected)) {
                        throw new AssertionError(c.name + "'s subtree is " + mine.keySet() + ", its model's " + expected.keySet());
                    }
                }
            }
        }

        private void walk(long id, List<String> at, Map<Long, List<Tuple>> children, Map<Long, Tuple> anchors,
                          java.util.Set<Long> inodes, java.util.Set<Long> seen, TreeMap<List<String>, Boolean> out) {
            if (!seen.add(id)) {
                throw new AssertionError("directory " + id + " is reached twice (at " + at + "): a cycle or a double link");
            }
            for (Tuple t : children.getOrDefault(id, List.of())) {
                List<String> p = new ArrayList<>(at);
                p.add((String) t.get(1));
                long child = (Long) t.get(2);
                out.put(p, (Boolean) t.get(3));
                if ((Boolean) t.get(3)) {
                    Tuple a = anchors.get(child);
                    if (a == null || (Long) a.get(1) != id || !a.get(2).equals(t.get(1))) {
                        // The log entries that name the object or move vparts (the run's log is printed on failure).
                        for (Map.Entry<String, TreeMap<long[], Tuple>> h : history.entrySet()) {
                            for (Tuple x : h.getValue().values()) {
                                String txt = x.toString();
                                if (txt.contains(Long.toString(child)) || txt.contains("mv_") || txt.contains("map_sync")) {
                                    log.println(h.getKey() + " " + txt);
                                }
                            }
                        }
                        throw new AssertionError("entry " + t + " at " + p + " has the anchor " + a);
                    }
                    walk(child, p, children, anchors, inodes, seen, out);
                } else if (!inodes.contains(child)) {
                    throw new AssertionError("file entry " + t + " at " + p + " has no inode");
                }
            }
        }
    }

    /** A client: its ops, its router, and where it is. */
    static final class Client {
        final String name;
        final List<String> prefix;
        final Router router;
        final List<List<Object>> work = new ArrayList<>();
        final NamespaceModel model;
        /** With users: the client acts as user {@link #name} after its first ops (the superuser's). */
        final PermissionModel perm;
        final int setupOps;
        /** Every op must answer ok, and reads go as reads. */
        boolean strict;
        boolean sentRead;
        final Map<Integer, Long> seqs = new HashMap<>();
        int next;
        Router.Call call;
        long waitUntil = -1;
        int sentGroup = -1;
        long sentSeq;
        long checked;

        Client(String name, List<String> prefix, int groups, long vparts, SplittableRandom random, boolean users) {
            this.name = name;
            this.prefix = prefix;
            this.router = new Router(groups, vparts, 1_000, random);
            this.model = prefix.isEmpty() || users ? null : new NamespaceModel();
            this.perm = users ? new PermissionModel(Map.of(), java.util.Set.of(), name, 493L) : null;
            this.setupOps = users ? 2 : 1;
        }

        boolean finished() {
            return next >= work.size() && call == null;
        }

        @SuppressWarnings("unchecked")
        List<Object> prefixed(List<Object> op) {
            List<Object> out = new ArrayList<>(op);
            for (int i = 1; i < out.size(); i++) {
                if (out.get(i) instanceof List<?> l && (l.isEmpty() || l.get(0) instanceof String)) {
                    List<String> p = new ArrayList<>(prefix);
                    p.addAll((List<String>) l);
                    out.set(i, p);
                }
            }
            return out;
        }

        @SuppressWarnings("unchecked")
        void step(Run run, int round) {
            if (call == null) {
                if (next >= work.size()) {
                    return;
                }
                call = router.begin(work.get(next), 0);
                send(run, round);
                return;
            }
            if (round < waitUntil) {
                return;
            }
            if (waitUntil >= 0) {
                waitUntil = -1;
                submit(run);
                return;
            }
            Object answer = null;
            for (Tuple t : run.sim.node("cl" + sentGroup).contents(sentRead ? "c_read_acked" : "c_acked")) {
                if (t.get(0).equals(name) && (Long) t.get(1) == sentSeq) {
                    answer = t.get(2);
                }
            }
            if (answer == null) {
                return;
            }
            String before = call.toString();
            call = router.next(call, answer);
            if (call.done()) {
                finishOp(call.main(), call.result(), before);
                call = null;
                next++;
                return;
            }
            String head = answer instanceof List<?> a && a.size() == 4 && "@".equals(a.get(0)) ? String.valueOf(((List<?>) a.get(3)).get(0))
                + (((List<?>) a.get(3)).size() > 1 ? ((List<?>) a.get(3)).get(1) : "") : String.valueOf(answer);
            if (head.startsWith("->")) {
                REDIRECTS.incrementAndGet();
            } else if (head.startsWith("tx[")) {
                TXS.incrementAndGet();
            } else if (head.contains("RETRY") || head.contains("STALE")) {
                RETRIES.incrementAndGet();
            }
            send(run, round);
        }

        private void send(Run run, int round) {
            if (call.delayMs() > 0) {
                waitUntil = round + Math.max(1, call.delayMs() / TICK_MS);
                return;
            }
            submit(run);
        }

        private void submit(Run run) {
            sentGroup = call.group();
            sentSeq = seqs.merge(sentGroup, 1L, Long::sum);
            Object op = perm != null && next >= setupOps ? Access.envelope(name, null, call.op()) : call.op();
            // A crowd's reads go as reads (answered from the leader's lease, or waiting there for
            // a transaction's result); the other runs send every op through the log.
            sentRead = strict && call.read();
            run.sim.load("cl" + sentGroup, new Tuple(sentRead ? "c_read_submit" : "c_submit", name, sentSeq, op));
        }

        @SuppressWarnings("unchecked")
        private void finishOp(List<Object> op, Object result, String last) {
            List<Object> r = (List<Object>) result;
            if (model == null && perm == null) {
                if (strict && !"ok".equals(r.get(0))) {
                    throw new AssertionError(name + ": " + op + " gave " + result + " (last call " + last + ")");
                }
                if (!"ok".equals(r.get(0)) && List.of("UNAVAILABLE", "PROTOCOL", "INVALID_OP").contains(r.get(1))) {
                    throw new AssertionError(name + ": " + op + " gave " + result + " (last call " + last + ")");
                }
                checked++;
                return;
            }
            List<Object> plain = new ArrayList<>(op);
            for (int i = 1; i < plain.size(); i++) {
                if (plain.get(i) instanceof List<?> l && (l.isEmpty() || l.get(0) instanceof String)) {
                    plain.set(i, List.copyOf(((List<String>) l).subList(Math.min(prefix.size(), l.size()), l.size())));
                }
            }
            if (next < setupOps) {
                // The subtree itself.
                if (!"ok".equals(r.get(0))) {
                    throw new AssertionError(name + ": making its subtree gave " + result);
                }
                return;
            }
            String expected = perm != null ? perm.apply(name, plain, true) : model.apply(plain);
            String got = "ok".equals(r.get(0)) ? "ok" : String.valueOf(r.get(1));
            if (got.equals("PERMISSION")) {
                DENIED.incrementAndGet();
                if (String.valueOf(r.get(2)).contains("destination's directory")) {
                    DENIED_THERE.incrementAndGet();
                }
            }
            if (!List.of(expected.split("\\|")).contains(got)) {
                throw new AssertionError(name + ": " + op + " gave " + result + ", the model " + expected + " (last call " + last + ")");
            }
            checked++;
        }
    }

    /**
     * A user's op in its own subtree: PermissionSimulationTest's mix, with more renames and more
     * directories the owner may not write (0555), so that renames into them from another group's
     * directory happen (refused where the destination is).
     */
    static List<Object> userOp(SplittableRandom rnd) {
        List<String> p = List.of(TOP[rnd.nextInt(TOP.length)]);
        return switch (rnd.nextInt(9)) {
            case 0, 1 -> List.of("mkdirs", p, rnd.nextBoolean() ? 0555L : 0755L, "x", 1L);
            case 2, 3 -> List.of("create", List.of(TOP[rnd.nextInt(TOP.length)], TOP[rnd.nextInt(TOP.length)]), false, 1L, 1024L, "h",
                0644L, "x", 2L);
            case 4, 5, 6 -> List.of("rename", List.of(TOP[rnd.nextInt(TOP.length)], TOP[rnd.nextInt(TOP.length)]),
                List.of(TOP[rnd.nextInt(TOP.length)], TOP[rnd.nextInt(TOP.length)]));
            default -> PermissionSimulationTest.userOp(rnd);
        };
    }

    private static final String[] TOP = {"a", "b", "c"};

    /** Ops over one shared tree that conflict: directories renamed into each other, made and deleted. */
    static List<Object> conflictOp(SplittableRandom rnd) {
        String x = TOP[rnd.nextInt(TOP.length)];
        String y = TOP[rnd.nextInt(TOP.length)];
        String z = "d" + rnd.nextInt(3);
        switch (rnd.nextInt(6)) {
            case 0:
                return List.of("rename", List.of(x), List.of(y, z));
            case 1:
                return List.of("rename", List.of(y, z), List.of(x));
            case 2:
                return List.of("mkdirs", List.of(x), 493L, "u", 1L);
            case 3:
                return List.of("mkdirs", List.of(x, z), 493L, "u", 1L);
            case 4:
                return List.of("delete", List.of(x, z), rnd.nextBoolean());
            default:
                return List.of("create", List.of(x, "f" + z), true, 3L, 1024L, "h", 420L, "u", 2L);
        }
    }
}
