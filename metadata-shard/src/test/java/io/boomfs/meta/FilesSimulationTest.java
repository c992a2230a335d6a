package io.boomfs.meta;

import io.boomfs.datanode.ControlPath;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.ValueList;
import io.boomfs.engine.lang.Compiler;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.sim.SimConfig;
import io.boomfs.engine.sim.Simulator;
import io.boomfs.paxos.ReplicatedLog;
import org.junit.jupiter.api.Test;

import java.io.PrintStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Files on a simulated shard with simulated datanodes (nodes that speak dn_messages.olg): the
 * write path (create, add_chunk on the datanodes the leader picks, commit, complete, open with
 * locations), leases (LEASE_HELD, renew, recover after expiry), a dead datanode's chunks copied
 * to another, and the chunks of a deleted file deleted from the datanodes.
 */
class FilesSimulationTest {
    private static final Program REPLICA = MetaShard.compile();
    private static final Program CLIENT = ReplicatedLog.compileClient();
    /** A datanode stand-in: heartbeats from facts, reports what a test tells it, records commands. */
    private static final Program DATANODE = Compiler.compileSource("/sim/datanode.olg", ControlPath.messagesText() + """
        table meta(R: addr).
        table info(DataAddr: string, Capacity: long, Used: long) key().
        table alive(Up: bool) key().
        alive(true).
        timer hb(100).
        dn_hb(@R, Me, A, C, U, 0) :- hb(), alive(true), self(@Me), meta(R), info(A, C, U).
        event add(Chunk: long, Len: long).
        dn_added(@R, Me, C, L) :- add(C, L), self(@Me), meta(R).
        table got_copy(Chunk: long, Len: long, Targets: any).
        got_copy(C, L, T) :- dn_copy(@Me, _, C, L, T).
        table got_delete(Chunk: long).
        event del_i(Chunks: any, I: long).
        del_i(L, 0) :- dn_delete(@Me, _, L), size(L) > 0.
        del_i(L, I1) :- del_i(L, I), I1 := I + 1, I1 < size(L).
        got_delete(C) :- del_i(L, I), C := nth(L, I).
        event gone(Chunk: long).
        dn_removed(@R, Me, C) :- gone(C), self(@Me), meta(R).
        """, MetaShard.functions(ReplicatedLog.functions()), p -> null).program();

    private static final Map<String, Long> SETTINGS = Map.of("sm.lease_ms", 2_000L, "sm.lease_hard_ms", 3_000L,
        "sm.dn_dead_ms", 1_000L, "sm.copy_timeout_ms", 1_000L);
    private final List<String> reps = List.of("r1", "r2", "r3");
    private final List<String> dns = List.of("d1", "d2", "d3", "d4");
    private Simulator sim;
    private long seq;

    private void start(long seed) {
        sim = new Simulator(seed, new SimConfig(10, 0, 0, 0, 0, 0), new PrintStream(OutputStream.nullOutputStream()));
        for (String r : reps) {
            sim.addNode(r, REPLICA);
            for (Tuple t : ReplicatedLog.configuration(reps, seed + r.hashCode(), SETTINGS)) {
                sim.load(r, t);
            }
        }
        sim.addNode("client", CLIENT);
        for (String r : reps) {
            sim.load("client", new Tuple("c_replica", r));
        }
        for (String d : dns) {
            sim.addNode(d, DATANODE);
            for (String r : reps) {
                sim.load(d, new Tuple("meta", r));
            }
            sim.load(d, new Tuple("info", d + ":9000", 1L << 30, 0L));
        }
    }

    /** Sends a write as client {@code cid} and runs until it is answered. */
    private List<?> write(String cid, Object... op) {
        long s = ++seq;
        sim.load("client", new Tuple("c_submit", cid, s, ValueList.of(op)));
        return await(t -> t.get(0).equals(cid) && (Long) t.get(1) == s, "c_acked", 2);
    }

    private List<?> read(Object... op) {
        long s = ++seq;
        sim.load("client", new Tuple("c_read_submit", "reader", s, ValueList.of(op)));
        return await(t -> t.get(0).equals("reader") && (Long) t.get(1) == s, "c_read_acked", 2);
    }

    private List<?> await(Predicate<Tuple> which, String rel, int field) {
        for (int i = 0; i < 3000; i++) {
            sim.round();
            for (Tuple t : sim.node("client").contents(rel)) {
                if (which.test(t)) {
                    return (List<?>) t.get(field);
                }
            }
        }
        throw new AssertionError("no answer in " + rel);
    }

    private void rounds(int n) {
        for (int i = 0; i < n; i++) {
            List<String> dies = sim.round();
            if (!dies.isEmpty()) {
                fail("invariant violated: " + dies);
            }
        }
    }

    private static List<Object> path(String... names) {
        return List.of((Object[]) names);
    }

    private List<?> ok(List<?> r) {
        assertEquals("ok", r.get(0), () -> "expected ok, got " + r);
        return r;
    }

    private void added(String dn, long chunk, long len) {
        sim.load(dn, new Tuple("add", chunk, len));
    }

    @Test
    void writeReadLeasesAndRepairs() {
        start(7);
        rounds(150);
        ok(write("w", "mkdirs", path("d"), 493L, "u", 1L));
        long f = (Long) ok(write("w", "create", path("d", "f"), false, 3L, 1024L, "w", 420L, "u", 2L, null)).get(1);
        // No holder but w writes it.
        assertEquals("LEASE_HELD", write("x", "add_chunk", f, "x", null, null, List.of(), null, null).get(1));
        List<?> a = ok(write("w", "add_chunk", f, "w", null, null, List.of(), null, null));
        long c0 = (Long) a.get(1);
        assertEquals(0L, a.get(2));
        List<?> targets = (List<?>) a.get(3);
        assertEquals(3, targets.size(), "three distinct datanodes: " + targets);
        assertEquals(3, new HashSet<>(targets).size());
        // The pipeline of c0 fails; the writer abandons it and excludes the first target.
        List<?> b = ok(write("w", "add_chunk", f, "w", null, c0, List.of(targets.get(0)), null, null));
        long c1 = (Long) b.get(1);
        assertEquals(0L, b.get(2), "the abandoned chunk's index is reused");
        assertTrue(!((List<?>) b.get(3)).contains(targets.get(0)), "excluded: " + b);
        List<?> t1 = (List<?>) b.get(3);
        for (Object t : t1) {
            added(((String) t).replace(":9000", ""), c1, 1024);
        }
        List<?> c = ok(write("w", "add_chunk", f, "w", List.of(c1, 1024L), null, List.of(), null, null));
        long c2 = (Long) c.get(1);
        assertEquals(1L, c.get(2));
        assertEquals("INVALID_OP", write("w", "complete", f, "w", null, 3L, null).get(1), "c2 has no length");
        assertEquals("INVALID_OP", write("w", "complete", f, "w", List.of(c0, 5L), 3L, null).get(1), "c0 was abandoned");
        assertEquals(1524L, ok(write("w", "complete", f, "w", List.of(c2, 500L), 3L, null)).get(1));
        rounds(20);
        List<?> o = ok(read("open", path("d", "f"), 0L, 100L));
        assertEquals(List.of(f, 1524L, "closed", 1024L), o.subList(1, 5));
        List<?> chunks = (List<?>) o.get(5);
        assertEquals(2, chunks.size());
        assertEquals(List.of(c1, 0L, 1024L), ((List<?>) chunks.get(0)).subList(0, 3));
        assertEquals(Set.copyOf(t1), Set.copyOf((List<?>) ((List<?>) chunks.get(0)).get(3)), "locations of c1");
        assertEquals(List.of(), ((List<?>) chunks.get(1)).get(3), "c2 was never reported");
        assertEquals(1524L, ok(read("stat", path("d", "f"))).get(3));
        assertEquals("IS_DIR", read("open", path("d"), 0L, 10L).get(1));
        assertEquals("NOT_FOUND", read("open", path("d", "g"), 0L, 10L).get(1));

        // A datanode holding c1 dies: another is told to copy it to the one that lacks it.
        String dead = ((String) t1.get(0)).replace(":9000", "");
        sim.load(dead, new Tuple("alive", false));
        String spare = dns.stream().filter(d -> !t1.contains(d + ":9000")).findFirst().orElseThrow();
        boolean copied = false;
        for (int i = 0; i < 400 && !copied; i++) {
            rounds(1);
            for (String d : dns) {
                for (Tuple g : sim.node(d).contents("got_copy")) {
                    assertNotEquals(dead, d);
                    assertEquals(c1, g.get(0));
                    assertEquals(List.of(spare + ":9000"), g.get(2));
                    copied = true;
                }
            }
        }
        assertTrue(copied, "a live holder was told to copy c1 to " + spare);

        // The copy lands, then the dead datanode comes back with its copy: four copies of a
        // chunk of replication 3. Exactly one holder is told to delete it, and told again
        // (the same one) until its removal is reported.
        added(spare, c1, 1024);
        rounds(20);
        sim.load(dead, new Tuple("alive", true));
        added(dead, c1, 1024);
        List<String> told = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            rounds(1);
            for (String d : dns) {
                if (!told.contains(d) && sim.node(d).contents("got_delete").stream().anyMatch(t -> t.get(0).equals(c1))) {
                    told.add(d);
                }
            }
        }
        assertEquals(1, told.size(), "one of four copies goes: " + told);
        sim.load(told.get(0), new Tuple("gone", c1));
        rounds(50);
        assertEquals(3, ((List<?>) ((List<?>) ((List<?>) ok(read("open", path("d", "f"), 0L, 100L)).get(5)).get(0)).get(3))
            .size(), "three locations left");

        // Deleting the file makes its chunks orphans: the datanodes are told to delete them.
        String holder = dns.stream().filter(d -> !told.contains(d) && (t1.contains(d + ":9000") || d.equals(spare)))
            .findFirst().orElseThrow();
        ok(write("w", "delete", path("d", "f"), false));
        boolean deleted = false;
        for (int i = 0; i < 400 && !deleted; i++) {
            rounds(1);
            deleted = sim.node(holder).contents("got_delete").stream().anyMatch(t -> t.get(0).equals(c1));
        }
        assertTrue(deleted, "the chunk of the deleted file is deleted from " + holder + " (garbage left: "
            + sim.node("r1").contents("ns_garbage") + ")");

        // Leases: another client cannot replace an open file until the writer's lease expires.
        long g = (Long) ok(write("w", "create", path("d", "g"), false, 2L, 1024L, "w", 420L, "u", 4L, null)).get(1);
        assertEquals("LEASE_HELD", write("x", "create", path("d", "g"), true, 2L, 1024L, "x", 420L, "u", 5L, null).get(1));
        assertEquals("LEASE_HELD", write("x", "recover", g, null).get(1));
        rounds(150);
        ok(write("w", "renew", "w", null));
        rounds(150);
        assertEquals("LEASE_HELD", write("x", "recover", g, null).get(1), "renewed 1.5 s ago");
        rounds(300);
        assertEquals(0L, ok(write("x", "recover", g, null)).get(1), "expired: closed empty");
        assertEquals("closed", ok(read("open", path("d", "g"), 0L, 10L)).get(3));
        assertEquals("LEASE_HELD", write("w", "add_chunk", g, "w", null, null, List.of(), null, null).get(1));

        // A writer that dies (no renew for sm.lease_hard_ms): the leader closes its file with the
        // committed chunks and drops the uncommitted one.
        long h = (Long) ok(write("z", "create", path("d", "h"), false, 1L, 1024L, "z", 420L, "u", 4L, null)).get(1);
        long h0 = (Long) ok(write("z", "add_chunk", h, "z", null, null, List.of(), null, null)).get(1);
        ok(write("z", "add_chunk", h, "z", List.of(h0, 700L), null, List.of(), null, null));
        String state = null;
        for (int i = 0; i < 600 && !"closed".equals(state); i++) {
            rounds(1);
            state = (String) ok(read("open", path("d", "h"), 0L, 10L)).get(3);
        }
        assertEquals("closed", state, "recovered by the leader");
        List<?> hr = ok(read("open", path("d", "h"), 0L, 10L));
        assertEquals(700L, hr.get(2));
        assertEquals(1, ((List<?>) hr.get(5)).size());

        // Malformed ops are refused with the reason.
        assertEquals("INVALID_OP", write("w", "add_chunk", "x", "w", null, null, List.of(), null, null).get(1));
        assertEquals("INVALID_OP", write("w", "create", path("d", "h"), false, 0L, 1024L, "w", 420L, "u", 4L, null).get(1));
        assertEquals("INVALID_OP", write("w", "complete", g, "w", List.of(1L), 1L, null).get(1));

        // The lease of a writer silent for sm.lease_hard_ms with nothing open is dropped (the
        // leader's gc op), on every replica.
        rounds(400);
        for (String r : reps) {
            assertTrue(sim.node(r).contents("ns_lease").stream().noneMatch(t -> t.get(0).equals("z")),
                r + " still holds z's lease: " + sim.node(r).contents("ns_lease"));
        }
    }

    /**
     * Three writers on a shard whose replicas crash (the leader too) and come back: each writes
     * files of 0..4 chunks, committing lengths as it goes. Every file ends closed with the sum of
     * its lengths, its chunks in order, and the replicas agree on every file table.
     */
    @Test
    void writersUnderCrashes() {
        int seeds = Integer.getInteger("files.seeds", 20);
        for (long seed = 1; seed <= seeds; seed++) {
            try {
                writers(seed);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("SEED=" + seed + ": " + e.getMessage(), e);
            }
        }
    }

    private void writers(long seed) {
        start(seed);
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
        rounds(100);
        ok(write("w0", "mkdirs", path("d"), 493L, "u", 1L));
        Map<String, Long> expected = new java.util.TreeMap<>();
        Map<String, Integer> down = new java.util.HashMap<>();
        for (int f = 0; f < 6; f++) {
            String cid = "w" + (f % 3);
            String name = "f" + f;
            long id = (Long) ok(write(cid, "create", path("d", name), false, 2L, 1000L, cid, 420L, "u", 1L, null)).get(1);
            int chunks = rnd.nextInt(5);
            List<Object> commit = null;
            long size = 0;
            for (int c = 0; c < chunks; c++) {
                if (rnd.nextInt(3) == 0 && down.isEmpty()) {
                    String r = reps.get(rnd.nextInt(3));
                    sim.crash(r);
                    down.put(r, 20 + rnd.nextInt(60));
                }
                // A replica that restarts knows no datanode until their next heartbeat: a
                // writer retries NO_DATANODES (as BoomFileSystem does).
                List<?> a = write(cid, "add_chunk", id, cid, commit, null, List.of(), null, null);
                for (int retry = 0; retry < 5 && "NO_DATANODES".equals(a.get(1)); retry++) {
                    rounds(20);
                    a = write(cid, "add_chunk", id, cid, commit, null, List.of(), null, null);
                }
                ok(a);
                assertEquals((long) c, a.get(2));
                long len = 1 + rnd.nextInt(1000);
                for (Object t : (List<?>) a.get(3)) {
                    added(((String) t).replace(":9000", ""), (Long) a.get(1), len);
                }
                commit = List.of(a.get(1), len);
                size += len;
                for (Map.Entry<String, Integer> d : new ArrayList<>(down.entrySet())) {
                    rounds(d.getValue());
                    sim.restart(d.getKey());
                    for (Map.Entry<String, Long> setting : SETTINGS.entrySet()) {
                        sim.load(d.getKey(), new Tuple("px_config", setting.getKey(), setting.getValue()));
                    }
                    down.remove(d.getKey());
                }
            }
            assertEquals(size, ok(write(cid, "complete", id, cid, commit, 2L, null)).get(1));
            expected.put(name, size);
        }
        rounds(200);
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            List<?> o = ok(read("open", path("d", e.getKey()), 0L, 100L));
            assertEquals("closed", o.get(3));
            assertEquals(e.getValue(), o.get(2));
            long sum = 0;
            long idx = 0;
            for (Object row : (List<?>) o.get(5)) {
                List<?> r = (List<?>) row;
                assertEquals(idx++, r.get(1));
                sum += (Long) r.get(2);
            }
            assertEquals(e.getValue(), sum);
        }
        for (String rel : List.of("inode", "fstate", "fchunk", "entry")) {
            Object first = Set.copyOf(sim.node(reps.get(0)).contents(rel));
            for (String r : reps) {
                assertEquals(first, Set.copyOf(sim.node(r).contents(rel)), r + "'s " + rel);
            }
        }
    }
}
