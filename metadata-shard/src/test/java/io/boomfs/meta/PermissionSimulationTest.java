package io.boomfs.meta;

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
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Model-based test of users and permissions (issue 10): a shard of three replicas on the
 * deterministic simulator with sm.auth on. Root (its hash given at the start, as
 * {@code --root-token-file} does) adds alice and bob (group staff) and carol; then alice, bob
 * and carol run random mkdirs, create, delete, rename, setattr, stat, list and open with random
 * modes, while root changes modes and owners (chmod, chown, to user:group too). A client with a
 * wrong token and one without an envelope are refused. From outside: the agreed history's
 * results are {@link PermissionModel}'s, every replica's tree is the model's, every object's owner
 * and mode too, and no token or secret reaches the log.
 *
 * <p>{@code -Dperm.seeds=N} (default 60) and {@code -Dseed=S} to replay one.
 */
class PermissionSimulationTest {
    private static final Program REPLICA = MetaShard.compile();
    private static final Program CLIENT = ReplicatedLog.compileClient();
    private static final String[] NAMES = {"a", "b", "c"};
    private static final Map<String, List<String>> GROUPS = Map.of("alice", List.of("staff"), "bob", List.of("staff"),
        "carol", List.of());
    /** Reads bob sends in each run. */
    private static final int READS = 10;
    /** Modes that all let the owner through (execute): its own tree never locks it out of the way down. */
    static final long[] DIR_MODES = {0755, 0700, 0777, 0750, 0711, 0555, 0500};
    private static final long[] FILE_MODES = {0644, 0600, 0666, 0640};

    @Test
    void seeds() {
        String one = System.getProperty("seed");
        if (one != null && !one.isBlank()) {
            run(Long.parseLong(one.trim()), System.out);
            return;
        }
        int n = Integer.getInteger("perm.seeds", 60);
        long ops = 0;
        Map<String, Integer> codes = new TreeMap<>();
        for (long seed = 1; seed <= n; seed++) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            try {
                run(seed, new PrintStream(buf, true, StandardCharsets.UTF_8)).forEach((k, v) -> codes.merge(k, v, Integer::sum));
            } catch (AssertionError | RuntimeException e) {
                System.out.print(buf.toString(StandardCharsets.UTF_8));
                fail("SEED=" + seed + " (replay: -Dseed=" + seed + "): " + e.getMessage(), e);
            }
        }
        ops = codes.values().stream().mapToLong(Integer::longValue).sum();
        System.out.println("permission simulation: " + n + " seeds, " + ops + " ops checked against the model: " + codes);
        // The workload must reach both sides of the checks, or it proves nothing.
        assertTrue(codes.getOrDefault("PERMISSION", 0) > ops / 20, "too few refusals: " + codes);
        assertTrue(codes.getOrDefault("ok", 0) > ops / 5, "too few successes: " + codes);
        assertTrue(codes.getOrDefault("UNAUTHENTICATED", 0) > 0, "no unauthenticated request: " + codes);
    }

    /** One seeded run; the count of each result code of the agreed history. */
    static Map<String, Integer> run(long seed, PrintStream log) {
        SplittableRandom rnd = new SplittableRandom(seed * 17 + 3);
        SimConfig config = new SimConfig(10, rnd.nextBoolean() ? 0.0 : 0.05, 0.0, rnd.nextBoolean() ? 0.0 : 0.1, 0, 0L);
        Simulator sim = new Simulator(seed, config, log);
        List<String> reps = List.of("r1", "r2", "r3");
        String rootSecret = Access.newSecret(new java.security.SecureRandom());
        for (String r : reps) {
            sim.addNode(r, REPLICA);
            for (Tuple t : ReplicatedLog.configuration(reps, rnd.nextLong(), Map.of("sm.auth", 1L))) {
                sim.load(r, t);
            }
            sim.load(r, new Tuple("ns_root", Access.hash(rootSecret)));
        }
        sim.addNode("client", CLIENT);
        for (String r : reps) {
            sim.load("client", new Tuple("c_replica", r));
        }
        Map<String, String> secrets = new HashMap<>();
        List<Object> setup = new ArrayList<>();
        for (String u : List.of("alice", "bob", "carol")) {
            secrets.put(u, Access.newSecret(new java.security.SecureRandom()));
            setup.add(envelope("root", rootSecret, List.of("user_add", u, Access.hash(secrets.get(u)), GROUPS.get(u), false)));
        }
        setup.add(envelope("root", rootSecret, List.of("mkdirs", List.of("a"), 0777L, "x", 1L)));
        Map<String, List<Object>> work = new LinkedHashMap<>();
        work.put("root", setup);
        for (String u : List.of("alice", "bob", "carol")) {
            List<Object> ops = new ArrayList<>();
            for (int k = 0; k < 14; k++) {
                ops.add(envelope(u, secrets.get(u), userOp(rnd)));
            }
            work.put(u, ops);
        }
        List<Object> rootOps = new ArrayList<>();
        for (int k = 0; k < 8; k++) {
            rootOps.add(envelope("root", rootSecret, rootOp(rnd)));
        }
        work.put("root2", rootOps);
        // (And a change of the group, bare and in alice's envelope: refused at once, never proposed.)
        work.put("mallory", List.of(envelope("alice", "not-the-secret", List.of("mkdirs", List.of("m"), 0777L, "x", 1L)),
            List.of("mkdirs", List.of("m"), 0777L, "x", 1L), List.of("px_replace", "r1", "evil:1", 9L),
            envelope("alice", secrets.get("alice"), List.of("px_replace", "r1", "evil:1", 9L))));
        // Even seeds send hinted paths (a walk that starts below the root must still check the
        // directories above its start), from what each user learnt of directory ids.
        Map<String, NamespaceSimulationTest.Hints> hints = new HashMap<>();
        Map<String, Long> learnt = new HashMap<>();
        Map<String, Integer> next = new HashMap<>();
        TreeMap<long[], Tuple> history = new TreeMap<>(Comparator.<long[]>comparingLong(p -> p[0]).thenComparingLong(p -> p[1]));
        int readsSent = 0;
        long crashAt = -1;
        String crashed = null;
        for (int round = 0; round < 5000; round++) {
            Map<String, Long> answered = new HashMap<>();
            for (Tuple t : sim.node("client").contents("c_acked")) {
                String c = (String) t.get(0);
                long seq = (Long) t.get(1);
                answered.merge(c, seq, Math::max);
                if (seed % 2 == 0 && seq > learnt.getOrDefault(c, 0L) && GROUPS.containsKey(c)) {
                    learnt.put(c, seq);
                    hints.computeIfAbsent(c, k -> new NamespaceSimulationTest.Hints())
                        .learn(inner(work.get(c).get((int) seq - 1)), t.get(2));
                }
            }
            boolean done = true;
            boolean setupDone = answered.getOrDefault("root", 0L) == setup.size();
            for (Map.Entry<String, List<Object>> e : work.entrySet()) {
                int k = next.getOrDefault(e.getKey(), 0);
                boolean go = e.getKey().equals("root") || setupDone;
                if (go && answered.getOrDefault(e.getKey(), 0L) == k && k < e.getValue().size()) {
                    Object op = e.getValue().get(k);
                    if (seed % 2 == 0 && GROUPS.containsKey(e.getKey())) {
                        List<?> env = (List<?>) op;
                        op = envelope((String) env.get(1), (String) env.get(2),
                            hints.computeIfAbsent(e.getKey(), c -> new NamespaceSimulationTest.Hints()).hinted(inner(op)));
                    }
                    sim.load("client", new Tuple("c_submit", e.getKey(), (long) k + 1, op));
                    next.put(e.getKey(), k + 1);
                }
                done &= answered.getOrDefault(e.getKey(), 0L) == e.getValue().size();
            }
            // Once, the leader crashes and comes back: the next leader holds no lease at first, and
            // puts the reads it gets meanwhile through its log.
            if (setupDone && crashAt < 0) {
                crashAt = round + 40;
            }
            if (round == crashAt) {
                for (String r : reps) {
                    if (sim.isUp(r) && !sim.node(r).contents("p_is_leader").isEmpty() && crashed == null) {
                        sim.crash(r);
                        crashed = r;
                    }
                }
            }
            if (crashed != null && round == crashAt + 60) {
                sim.restart(crashed);
                sim.load(crashed, new Tuple("e_seed", rnd.nextLong()));
                sim.load(crashed, new Tuple("px_config", "sm.auth", 1L));
                sim.load(crashed, new Tuple("ns_root", Access.hash(rootSecret)));
                crashed = null;
            }
            // Reads too, as bob: answered from the lease, or through the log by a leader without one
            // (opened there like a write); either way bob's stat of /a, which root made, is ok.
            if (setupDone && readsSent < READS && round % 7 == 0 && round > crashAt + 55) {
                readsSent++;
                sim.load("client", new Tuple("c_read_submit", "bob-reads", (long) readsSent,
                    envelope("bob", secrets.get("bob"), List.of("stat", List.of("a")))));
            }
            done &= sim.node("client").contents("c_read_acked").stream().map(t -> t.get(1)).distinct().count() == READS;
            List<String> dies = sim.round();
            if (!dies.isEmpty()) {
                throw new AssertionError("invariant violated: " + dies);
            }
            for (String r : reps) {
                for (Tuple t : sim.node(r).contents("l_applied")) {
                    history.putIfAbsent(new long[] {(Long) t.get(0), (Long) t.get(1)}, t);
                }
            }
            if (done && crashed == null && NamespaceSimulationTest.converged(sim, reps)) {
                for (Tuple t : sim.node("client").contents("c_read_acked")) {
                    Object r = NamespaceSimulationTest.Hints.unwrap(t.get(2));
                    assertTrue(r instanceof List<?> l && "ok".equals(l.get(0)), "bob's read " + t);
                }
                for (Tuple t : sim.node("client").contents("c_acked")) {
                    if (t.get(0).equals("mallory") && (Long) t.get(1) >= 3) {
                        assertTrue(String.valueOf(t.get(2)).startsWith("error: sm.auth is on: a group change comes from a superuser")
                            || (Long) t.get(1) == 4 && String.valueOf(t.get(2)).contains("INVALID_OP"), "a group change by " + t);
                    }
                }
                for (String r : reps) {
                    assertEquals(3, sim.node(r).contents("member").size(), r + "'s group: " + sim.node(r).contents("member"));
                }
                return check(history, sim, reps, List.of(rootSecret, secrets.get("alice"), secrets.get("bob"), secrets.get("carol")));
            }
        }
        throw new AssertionError("the clients' ops were not all answered: " + sim.node("client").contents("c_acked") + "; reads "
            + sim.node("client").contents("c_read_acked") + " of " + sim.node("client").contents("c_read"));
    }

    private static List<Object> envelope(String user, String secret, List<Object> op) {
        return Access.envelope(user, secret, op);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> inner(Object op) {
        return (List<Object>) Access.inner(op);
    }

    private static List<String> randomPath(SplittableRandom rnd) {
        List<String> p = new ArrayList<>();
        int depth = 1 + rnd.nextInt(3);
        for (int i = 0; i < depth; i++) {
            p.add(NAMES[rnd.nextInt(NAMES.length)]);
        }
        return p;
    }

    static List<Object> userOp(SplittableRandom rnd) {
        List<String> p = randomPath(rnd);
        return switch (rnd.nextInt(11)) {
            case 0, 1 -> List.of("mkdirs", p, DIR_MODES[rnd.nextInt(DIR_MODES.length)], "x", 1L);
            case 2, 3 -> List.of("create", p, rnd.nextBoolean(), 1L, 1024L, "h", FILE_MODES[rnd.nextInt(FILE_MODES.length)], "x", 2L);
            case 4 -> List.of("delete", p, rnd.nextBoolean());
            case 5 -> List.of("rename", p, randomPath(rnd));
            case 6 -> Arrays.asList("setattr", p, rnd.nextBoolean() ? (Object) DIR_MODES[rnd.nextInt(DIR_MODES.length)] : null,
                rnd.nextInt(8) == 0 ? "carol" : null, rnd.nextBoolean() ? 3L : null, null);
            case 7 -> List.of("stat", p);
            case 8 -> Arrays.asList("list", p, null, 10L);
            default -> List.of("open", p, 0L, 10L);
        };
    }

    private static List<Object> rootOp(SplittableRandom rnd) {
        String[] owners = {"alice", "bob", "carol", "alice:staff", "bob:staff", "root"};
        List<String> p = randomPath(rnd);
        return rnd.nextInt(3) == 0 ? List.of("mkdirs", p, DIR_MODES[rnd.nextInt(DIR_MODES.length)], "x", 1L)
            : Arrays.asList("setattr", p, rnd.nextBoolean() ? (Object) DIR_MODES[rnd.nextInt(DIR_MODES.length)] : null,
                rnd.nextBoolean() ? owners[rnd.nextInt(owners.length)] : null, null, null);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Integer> check(TreeMap<long[], Tuple> history, Simulator sim, List<String> reps, List<String> secrets) {
        PermissionModel model = new PermissionModel(GROUPS, Set.of("root"));
        Map<String, Integer> codes = new TreeMap<>();
        List<Tuple> ordered = new ArrayList<>();
        List<Tuple> slot = new ArrayList<>();
        long current = -1;
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
            List<Object> logged = (List<Object>) t.get(4);
            String text = String.valueOf(logged);
            for (String s : secrets) {
                assertTrue(!text.contains(s), "a secret reached the log: " + t);
            }
            List<Object> result = (List<Object>) NamespaceSimulationTest.Hints.unwrap(t.get(5));
            String got = result.get(0).equals("ok") ? "ok" : (String) result.get(1);
            String expected;
            if (logged.get(0).equals("denied")) {
                expected = "UNAUTHENTICATED";
            } else if (logged.get(0).equals("by")) {
                List<Object> op = NamespaceSimulationTest.Hints.plain((List<Object>) logged.get(2));
                String kind = (String) op.get(0);
                // A group change in a user's envelope is no namespace op (op_change opens only a superuser's).
                expected = kind.startsWith("user_") ? "ok" : kind.equals("px_replace") ? "INVALID_OP"
                    : model.apply((String) logged.get(1), op);
            } else {
                expected = "ok"; // the leader's own housekeeping (gc)
            }
            if (!Objects.equals(expected, got)) {
                throw new AssertionError("entry " + t.get(0) + "." + t.get(1) + " " + logged + " gave " + result + ", the model "
                    + expected + "; the history up to it:\n" + String.join("\n",
                    ordered.subList(0, ordered.indexOf(t)).stream().map(String::valueOf).toList()));
            }
            codes.merge(got, 1, Integer::sum);
        }
        for (String r : reps) {
            assertEquals(model.tree(), NamespaceSimulationTest.tree(sim.node(r)), r + "'s tree");
            for (Map.Entry<List<String>, Object[]> e : attributes(sim.node(r)).entrySet()) {
                assertEquals(Arrays.asList(model.attrs(e.getKey())), Arrays.asList(e.getValue()), r + ": owner and mode of " + e.getKey());
            }
        }
        return codes;
    }

    /** A replica's owner and mode of every path. */
    private static Map<List<String>, Object[]> attributes(io.boomfs.engine.OverlogNode n) {
        Map<Long, Object[]> byId = new HashMap<>();
        for (Tuple t : n.contents("dir")) {
            byId.put((Long) t.get(0), new Object[] {t.get(4), t.get(3)});
        }
        for (Tuple t : n.contents("inode")) {
            byId.put((Long) t.get(0), new Object[] {t.get(4), t.get(5)});
        }
        Map<Long, List<Tuple>> children = new HashMap<>();
        for (Tuple t : n.contents("entry")) {
            children.computeIfAbsent((Long) t.get(0), k -> new ArrayList<>()).add(t);
        }
        Map<List<String>, Object[]> out = new HashMap<>();
        out.put(List.of(), byId.get(1L));
        walk(1L, List.of(), children, byId, out);
        return out;
    }

    private static void walk(long id, List<String> at, Map<Long, List<Tuple>> children, Map<Long, Object[]> byId,
                             Map<List<String>, Object[]> out) {
        for (Tuple t : children.getOrDefault(id, List.of())) {
            List<String> p = new ArrayList<>(at);
            p.add((String) t.get(1));
            out.put(p, byId.get((Long) t.get(2)));
            if ((Boolean) t.get(3)) {
                walk((Long) t.get(2), p, children, byId, out);
            }
        }
    }

    /** A slot's entries: those that are not mkdirs first, then the mkdirs (NamespaceSimulationTest's order). */
    @SuppressWarnings("unchecked")
    private static List<Tuple> inSlotOrder(List<Tuple> slot) {
        List<Tuple> out = new ArrayList<>();
        for (boolean mk : new boolean[] {false, true}) {
            for (Tuple t : slot) {
                Object op = Access.inner(t.get(4));
                if ((op instanceof List<?> l && "mkdirs".equals(l.get(0))) == mk) {
                    out.add(t);
                }
            }
        }
        return out;
    }
}
