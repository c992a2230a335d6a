package io.boomfs.paxos;

import io.boomfs.engine.Tuple;
import io.boomfs.engine.lang.Compiler;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.runtime.ClusterKey;
import io.boomfs.engine.runtime.FrameDecoder;
import io.boomfs.engine.sim.SimConfig;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cluster membership auth on the simulator, where every message then travels as a signed frame
 * checked by the runtime's own {@code FrameDecoder}: a 3-replica group holding the cluster key,
 * a client without one, and an intruder that forges, in the name of replica r1, prepares, accepts,
 * heartbeats, leadership hand-overs and chosen slots with ballots far above the group's. With a
 * wrong key (or none) it changes nothing: same leader, same ballot and promises, the same chosen
 * values; its frames are refused and counted. With the group's key the same forgeries do move the
 * group's ballot, which shows the attack is real and auth is what stops it.
 */
class MembershipAuthSimTest {
    static final ClusterKey KEY = ClusterKey.of(bytes(1));
    static final ClusterKey WRONG_KEY = ClusterKey.of(bytes(2));
    static final String INTRUDER = "intruder";
    /** The forged ballots start here: far above anything the group reaches in a test. */
    static final long FORGED_BALLOT = 1000L * 256;

    static final String INTRUDER_SRC = """
        import "messages.olg".
        // The replicas attacked and the messages forged, loaded by the test.
        table victim(R: addr).
        table forge(Kind: string).
        timer attack(25).
        table wave(N: long) key().
        wave(0).
        wave(N + 1)@next :- attack(), wave(N).
        // Every wave a higher ballot, owned by replica 1 (Ballot % 256), and sent as from r1.
        view forged_ballot(B: long).
        forged_ballot(B) :- wave(N), B := (1000 + N) * 256 + 1.
        view evil(V: any).
        evil(V) :- V := list(list("intruder", "intruder", 1, list("put", "a", "evil"), "w")).
        // FromSlot far ahead: an acceptor refuses a proposer behind its applied point.
        p1a(@R, "r1", B, 1000000) :- attack(), forge("p1a"), victim(R), forged_ballot(B).
        heartbeat(@R, "r1", B, 1000000, T) :- attack(), forge("heartbeat"), victim(R), forged_ballot(B), sys_now(T).
        timeout_now(@R, "r1", B, 0) :- attack(), forge("timeout_now"), victim(R), forged_ballot(B).
        p2a(@R, "r1", B, S, V, 0) :- attack(), forge("p2a"), victim(R), forged_ballot(B), wave(N), S := N % 8, evil(V).
        chosen(@R, "r1", S, V) :- attack(), forge("chosen"), victim(R), wave(N), S := N % 8, evil(V).
        """;
    static final Program INTRUDER_PROGRAM = compileIntruder();
    static final List<String> EVERY_FORGERY = List.of("p1a", "heartbeat", "timeout_now", "p2a", "chosen");

    static byte[] bytes(int seed) {
        byte[] b = new byte[ClusterKey.BYTES];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (seed * 37 + i);
        }
        return b;
    }

    static Program compileIntruder() {
        Compiler.Result r = Compiler.compileSource("/boomfs-classpath/io/boomfs/paxos/intruder.olg", INTRUDER_SRC,
            ReplicatedLog.functions(), path -> ReplicatedLog.resourceText(path.getFileName().toString()));
        if (!r.ok()) {
            throw new AssertionError(r.errors().toString());
        }
        return r.program();
    }

    /** What the group looks like from outside: leader, each replica's promise, chosen values, store. */
    record Picture(String leader, long leaderBallot, Map<String, Long> promised, Map<String, List<Tuple>> chosen,
                   Map<String, List<Tuple>> kv) {
    }

    static Picture picture(PaxosSim ps) {
        Map<String, Long> promised = new TreeMap<>();
        Map<String, List<Tuple>> chosen = new TreeMap<>();
        Map<String, List<Tuple>> kv = new TreeMap<>();
        for (String r : ps.replicas) {
            promised.put(r, (Long) ps.node(r).contents("a_max_ballot").get(0).get(0));
            chosen.put(r, sortedText(ps.node(r).contents("a_accepted")));
            kv.put(r, sortedText(ps.node(r).contents("kv")));
        }
        String leader = ps.leader();
        long ballot = leader == null ? -1 : (Long) ps.node(leader).contents("p_is_leader").get(0).get(0);
        return new Picture(leader, ballot, promised, chosen, kv);
    }

    static List<Tuple> sortedText(List<Tuple> tuples) {
        List<Tuple> out = new ArrayList<>(tuples);
        out.sort(java.util.Comparator.comparing(Tuple::toString));
        return out;
    }

    /**
     * A keyed group that elected a leader and applied three client ops; then the intruder
     * (with {@code intruderKey}, or none) forges {@code forgeries} for 3 simulated seconds, five
     * election timeouts, while a fourth op is submitted.
     *
     * @return the picture before the attack, then after it
     */
    static List<Picture> attack(long seed, ClusterKey intruderKey, List<String> forgeries, PrintStream log) {
        PaxosSim ps = new PaxosSim(seed, SimConfig.noFaults(10), 3, log);
        for (String r : ps.replicas) {
            ps.sim.clusterKey(r, KEY);
        }
        ps.sim.addNode(INTRUDER, INTRUDER_PROGRAM);
        if (intruderKey != null) {
            ps.sim.clusterKey(INTRUDER, intruderKey);
        }
        for (int i = 0; i < 500 && ps.leader() == null; i++) {
            ps.round();
        }
        ps.submit("x", 1, List.of("put", "a", "1"));
        ps.submit("y", 1, List.of("put", "b", "2"));
        ps.submit("z", 1, List.of("put", "c", "3"));
        for (int i = 0; i < 500 && ps.acked().size() < 3; i++) {
            ps.round();
        }
        assertEquals(3, ps.acked().size(), "a client without the key is served: " + ps.acked());
        ps.rounds(20);
        Picture before = picture(ps);
        for (String r : ps.replicas) {
            ps.sim.load(INTRUDER, new Tuple("victim", r));
        }
        for (String f : forgeries) {
            ps.sim.load(INTRUDER, new Tuple("forge", f));
        }
        ps.rounds(100);
        ps.submit("w", 1, List.of("put", "d", "4"));
        ps.rounds(200);
        if (intruderKey != null && !intruderKey.equals(KEY) || intruderKey == null) {
            assertEquals(4, ps.acked().size(), "the group keeps serving under attack: " + ps.acked());
            for (String r : ps.replicas) {
                FrameDecoder d = ps.sim.decoder(r);
                FrameDecoder.Refusal why = intruderKey == null ? FrameDecoder.Refusal.UNSIGNED : FrameDecoder.Refusal.BAD_MAC;
                assertTrue(d.refused(why) >= 100, r + " refused the intruder's frames as " + why + ": " + d.refused(why));
            }
        }
        ps.rounds(20);
        return List.of(before, picture(ps));
    }

    @Test
    void anIntruderWithTheWrongKeyCannotAffectElectionsOrTheLog() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(out, true, StandardCharsets.UTF_8);
        List<Picture> p = attack(11, WRONG_KEY, EVERY_FORGERY, log);
        Picture before = p.get(0);
        Picture after = p.get(1);
        assertEquals(before.leader(), after.leader(), "same leader");
        assertEquals(before.leaderBallot(), after.leaderBallot(), "same ballot");
        assertEquals(before.promised(), after.promised(), "no replica promised a forged ballot");
        assertTrue(before.leaderBallot() < FORGED_BALLOT);
        for (String r : after.kv().keySet()) {
            assertEquals("[kv(\"a\", \"1\"), kv(\"b\", \"2\"), kv(\"c\", \"3\"), kv(\"d\", \"4\")]", after.kv().get(r).toString(),
                r + " applied the clients' ops and nothing forged");
            assertTrue(!after.chosen().get(r).toString().contains("evil"), r + " accepted no forged value: " + after.chosen().get(r));
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("refused a frame from intruder (bad_mac)"), "the refusal is logged");
    }

    @Test
    void anIntruderWithoutAKeyCannotSendMemberMessagesUnsigned() {
        List<Picture> p = attack(12, null, EVERY_FORGERY, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(p.get(0).leader(), p.get(1).leader());
        assertEquals(p.get(0).promised(), p.get(1).promised());
        assertEquals(p.get(0).leaderBallot(), p.get(1).leaderBallot());
    }

    @Test
    void withTheGroupsKeyTheSameForgeriesDoMoveTheBallot() {
        // The control experiment: the forged prepares are effective when they verify, so the
        // previous tests' "nothing changed" is auth's doing, not a harmless attack.
        List<Picture> p = attack(13, KEY, List.of("p1a"), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        // A replica may refuse a prepare while it grants the leader a lease, so not every one
        // needs to have promised; a majority did, or the group would still be at its ballot.
        long promisedForged = p.get(1).promised().values().stream().filter(b -> b >= FORGED_BALLOT).count();
        assertTrue(promisedForged >= 2, "a majority promised the forged ballot: " + p.get(1).promised());
        assertTrue(!p.get(0).leader().equals(p.get(1).leader()) || p.get(0).leaderBallot() != p.get(1).leaderBallot(),
            "the leadership changed: " + p.get(0) + " then " + p.get(1));
    }

    @Test
    void duplicatedFramesAreRefusedAsReplaysAndTheGroupStillServes() {
        // A network that copies a third of the messages: each copy is the same signed frame, so
        // a keyed receiver refuses the second one as a replay; reordering must not cost more.
        PaxosSim ps = new PaxosSim(14, SimConfig.noFaults(10).withFaults(0.0, 0.3, 0.2), 3,
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        for (String r : ps.replicas) {
            ps.sim.clusterKey(r, KEY);
        }
        for (int i = 1; i <= 5; i++) {
            ps.submit("c" + i, 1, List.of("put", "k" + i, "v" + i));
        }
        for (int i = 0; i < 2000 && ps.acked().size() < 5; i++) {
            ps.round();
        }
        assertEquals(5, ps.acked().size(), "every op answered: " + ps.acked());
        // Three seconds of heartbeats more: most copies are then between replicas (a client has no key to refuse them).
        ps.rounds(300);
        long replays = 0;
        for (String r : ps.replicas) {
            FrameDecoder d = ps.sim.decoder(r);
            assertEquals(0, d.refused(FrameDecoder.Refusal.BAD_MAC) + d.refused(FrameDecoder.Refusal.UNSIGNED), r);
            replays += d.refused(FrameDecoder.Refusal.REPLAY);
        }
        assertTrue(replays > 20 && replays * 2 > ps.sim.messagesDuplicated(), "the copies were refused as replays: " + replays + " of "
            + ps.sim.messagesDuplicated() + " copies");
        assertTrue(replays <= ps.sim.messagesDuplicated(), "only copies (or frames overtaken by them) are refused");
    }
}
