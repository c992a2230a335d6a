package io.boomfs.engine.sim;

import io.boomfs.engine.OverlogException;
import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.boomfs.engine.sim.SimSupport.assertConservation;
import static io.boomfs.engine.sim.SimSupport.compile;
import static io.boomfs.engine.sim.SimSupport.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulator's rounds, clock, failures, crashes and partitions, on small programs. */
@Timeout(60)
class SimulatorTest {
    /**
     * A sender that, once given {@code go(1, Last)}, sends {@code msg(N)} to each peer in step
     * N for N = 1..Last; every receiver records which step (and nowMs) each message arrived in.
     */
    static final Program RELAY = compile("relay.olg", """
        event msg(@To: addr, From: addr, N: long).
        event go(N: long, Last: long).
        table peer(Addr: addr).
        table got(From: addr, N: long, Step: long, NowMs: long).
        go(N + 1, Last)@next :- go(N, Last), N < Last.
        msg(@Peer, Me, N) :- self(@Me), go(N, _), peer(Peer).
        got(From, N, Step, NowMs) :- msg(@Me, From, N), sys_step(@Me, Step, NowMs).
        """);

    /** A store with a durable table, a volatile table and a view over the durable one. */
    static final Program KV = compile("kv.olg", """
        event put(@To: addr, K: string, V: long).
        event cmd(Dest: addr, K: string, V: long).
        durable table kv(K: string, V: long) key(K).
        table seen(K: string).
        view total(Sum: long).
        total(sum<V>) :- kv(_, V).
        kv(K, V)@next :- put(@Me, K, V).
        seen(K) :- put(@Me, K, _).
        put(@Dest, K, V) :- self(@Me), cmd(Dest, K, V).
        """);

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    private String logText() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    /** a sends to each of {@code peers} ("a" itself, or "nowhere": no such node); every node runs RELAY. */
    private Simulator relay(long seed, SimConfig config, String... peers) {
        Simulator sim = new Simulator(seed, config, log);
        sim.addNode("a", RELAY);
        for (String p : peers) {
            if (!p.equals("nowhere") && !p.equals("a")) {
                sim.addNode(p, RELAY);
            }
            sim.load("a", new Tuple("peer", p));
        }
        return sim;
    }

    @Test
    void logsTheSeedFirstThenEveryFaultSetting() {
        new Simulator(1234, new SimConfig(50, 0.25, 0.125, 0.5, 10, 90), log);
        String[] logLines = logText().split("\n");
        assertEquals("SEED=1234", logLines[0]);
        assertEquals("network: tick_ms=50 drop_rate=0.25 duplicate_rate=0.125 reorder_rate=0.5 min_delay_ms=10"
            + " max_delay_ms=90 reorder_max_extra_rounds=3 (replay with -Dseed=1234)", logLines[1]);
    }

    @Test
    void aMessageSentInOneRoundArrivesInTheNextOneAtTheNextTick() {
        Simulator sim = relay(1, SimConfig.noFaults(100), "b");
        sim.load("a", new Tuple("go", 1L, 3L));
        assertEquals(List.of("a", "b"), sim.addresses());
        assertEquals(4, sim.runUntilQuiescent(100), "steps 1-3 send, step 4 receives the last message");
        assertEquals(4, sim.rounds());
        assertEquals(300, sim.nowMs());
        assertEquals(List.of("got(\"a\", 1, 2, 100)", "got(\"a\", 2, 3, 200)", "got(\"a\", 3, 4, 300)"),
            lines(sim.node("b"), "got"));
        assertEquals(3, sim.messagesSent());
        assertEquals(3, sim.messagesDelivered());
        assertEquals(0, sim.messagesDropped());
        assertEquals(0, sim.messagesDuplicated());
        assertEquals(4, sim.node("b").steps(), "a node steps in every round, with or without input");
    }

    @Test
    void aMessageToItsOwnSenderStillGoesThroughTheNetwork() {
        Simulator sim = relay(1, SimConfig.noFaults(10), "a");
        sim.load("a", new Tuple("go", 1L, 1L));
        sim.runUntilQuiescent(10);
        assertEquals(List.of("got(\"a\", 1, 2, 10)"), lines(sim.node("a"), "got"));
    }

    @Test
    void aDelayIsRoundedUpToWholeRounds() {
        Simulator sim = relay(1, SimConfig.noFaults(100).withDelayMs(250, 250), "b");
        sim.load("a", new Tuple("go", 1L, 1L));
        sim.runRounds(3);
        assertEquals(List.of(), lines(sim.node("b"), "got"));
        assertEquals(1, sim.messagesInFlight());
        assertFalse(sim.quiescent(), "a message in flight is work");
        sim.round();
        assertEquals(List.of("got(\"a\", 1, 4, 300)"), lines(sim.node("b"), "got"));
        assertTrue(sim.quiescent());
    }

    @Test
    void aNodeIsNotQuiescentBeforeItsFirstStep() {
        Simulator sim = relay(1, SimConfig.noFaults(100), "b");
        assertFalse(sim.quiescent());
        assertEquals(1, sim.runUntilQuiescent(10));
        assertTrue(sim.quiescent());
        assertEquals(0, sim.runUntilQuiescent(10));
    }

    @Test
    void messagesToAnUnknownAddressAreDroppedCountedAndReportedOnce() {
        Simulator sim = relay(1, SimConfig.noFaults(100), "b", "nowhere");
        sim.load("a", new Tuple("go", 1L, 2L));
        sim.runUntilQuiescent(10);
        assertEquals(4, sim.messagesSent());
        assertEquals(2, sim.messagesDelivered());
        assertEquals(2, sim.messagesDropped());
        assertEquals(2, sim.messagesToUnknownAddress());
        String text = logText();
        assertTrue(text.contains("a sent to unknown address nowhere: dropped (first: msg(\"nowhere\", \"a\", 1))"), text);
        assertEquals(text.indexOf("unknown address"), text.lastIndexOf("unknown address"), text);
    }

    @Test
    void aFailingNodeIsNamedAndStopsTheSimulation() {
        Program failing = compile("fail.olg", """
            event e(X: long).
            view q(Y: long).
            q(10 / X) :- e(X).
            """);
        Simulator sim = new Simulator(7, SimConfig.noFaults(100), log);
        sim.addNode("ok", failing);
        sim.addNode("x", failing);
        sim.round();
        sim.load("x", new Tuple("e", 0L));
        SimulationException e = assertThrows(SimulationException.class, sim::round);
        assertTrue(e.getMessage().startsWith("node x failed in round 2 (nowMs 100, SEED=7): "), e.getMessage());
        assertInstanceOf(OverlogException.class, e.getCause());
        assertTrue(e.dieMessages().isEmpty());
        SimulationException again = assertThrows(SimulationException.class, sim::round);
        assertTrue(again.getMessage().startsWith("the simulation stopped earlier: node x failed in round 2"),
            again.getMessage());
        assertEquals(2, sim.rounds(), "no round runs after a failure");
    }

    @Test
    void aMessageTheDestinationsProgramDoesNotDeclareStopsTheSimulation() {
        Simulator sim = new Simulator(7, SimConfig.noFaults(100), log);
        sim.addNode("p", compile("ping.olg", """
            event ping(@To: addr, N: long).
            event go(To: addr, N: long).
            ping(@To, N) :- self(@Me), go(To, N).
            """));
        sim.addNode("q", compile("other.olg", "event pong(@To: addr, N: long).\n"));
        sim.load("p", new Tuple("go", "q", 1L));
        sim.round();
        SimulationException e = assertThrows(SimulationException.class, sim::round);
        assertTrue(e.getMessage().startsWith("node q rejected its inbound messages in round 2"), e.getMessage());
        assertTrue(e.getMessage().contains("ping"), e.getMessage());
    }

    @Test
    void dieMessagesAreReturnedByTheRoundAndStopARun() {
        Program checked = compile("die.olg", """
            event e(X: long).
            die(M) :- e(X), X > 5, M := "too big: " + str(X).
            """);
        Simulator sim = new Simulator(3, SimConfig.noFaults(100), log);
        sim.addNode("c", checked);
        sim.addNode("d", checked);
        sim.load("d", new Tuple("e", 7L));
        sim.load("c", new Tuple("e", 1L));
        assertEquals(List.of("d: too big: 7"), sim.round());
        assertEquals(List.of(), sim.round());
        sim.load("c", new Tuple("e", 9L));
        SimulationException e = assertThrows(SimulationException.class, () -> sim.runUntilQuiescent(10));
        assertEquals(List.of("c: too big: 9"), e.dieMessages());
        assertTrue(e.getMessage().contains("invariant violated in round 3 (nowMs 200, SEED=3)"), e.getMessage());
        assertEquals(List.of(), sim.round(), "a die message stops a run, not the simulation");
    }

    @Test
    void aProgramWithATimerIsNeverQuiescentButRunsUntilACondition() {
        Simulator sim = new Simulator(5, SimConfig.noFaults(100), log);
        OverlogNode t = sim.addNode("t", compile("timer.olg", """
            timer beat(250).
            table beats(NowMs: long).
            beats(NowMs) :- beat(), sys_step(@Me, _, NowMs).
            """));
        SimulationException e = assertThrows(SimulationException.class, () -> sim.runUntilQuiescent(20));
        assertTrue(e.getMessage().startsWith("not quiescent after 20 rounds (now at round 20, nowMs 1900): "), e.getMessage());
        assertTrue(e.getMessage().contains("timers declared at [t]"), e.getMessage());
        assertEquals(20, sim.rounds());
        // The timer fires at the first step (nowMs 0), then at the first tick at or after each
        // due time: 250 -> 300, 500 -> 500, 750 -> 800, and so on.
        assertEquals(List.of("beats(0)", "beats(1000)", "beats(1300)", "beats(1500)", "beats(1800)", "beats(300)",
            "beats(500)", "beats(800)"), lines(t, "beats"));
        int ran = sim.runUntil(() -> t.contents("beats").size() >= 9, 10);
        assertEquals(1, ran, "the next beat is due at 2000: round 21, at nowMs 2000, fires it");
        assertEquals(List.of("beats(2000)"), lines(t, "beats").stream().filter(l -> l.equals("beats(2000)")).toList());
    }

    @Test
    void runUntilFailsClearlyAtItsLimit() {
        Simulator sim = relay(1, SimConfig.noFaults(100), "b");
        SimulationException e = assertThrows(SimulationException.class, () -> sim.runUntil(() -> false, 3));
        assertTrue(e.getMessage().startsWith("the condition still does not hold after 3 rounds"), e.getMessage());
        assertEquals(3, sim.rounds());
    }

    @Test
    void crashKeepsDurableTablesLosesTheRestAndRestartRebuildsViews() {
        Simulator sim = new Simulator(11, SimConfig.noFaults(100), log);
        sim.addNode("c", KV);
        OverlogNode before = sim.addNode("s", KV);
        sim.load("c", new Tuple("cmd", "s", "a", 1L));
        sim.load("c", new Tuple("cmd", "s", "b", 2L));
        sim.runUntilQuiescent(20);
        assertEquals(List.of("kv(\"a\", 1)", "kv(\"b\", 2)"), lines(sim.node("s"), "kv"));
        assertEquals(List.of("seen(\"a\")", "seen(\"b\")"), lines(sim.node("s"), "seen"));
        assertEquals(List.of("total(3)"), lines(sim.node("s"), "total"));

        sim.crash("s");
        assertFalse(sim.isUp("s"));
        assertThrows(IllegalStateException.class, () -> sim.crash("s"));
        assertThrows(IllegalStateException.class, () -> sim.load("s", new Tuple("cmd", "c", "x", 0L)));
        // A message sent to a crashed node is lost, not held for its restart.
        long droppedBefore = sim.messagesDropped();
        sim.load("c", new Tuple("cmd", "s", "lost", 100L));
        sim.runUntilQuiescent(20);
        assertEquals(droppedBefore + 1, sim.messagesDropped());

        sim.restart("s");
        assertTrue(sim.isUp("s"));
        assertThrows(IllegalStateException.class, () -> sim.restart("s"));
        assertNotSame(before, sim.node("s"), "a restarted node is a new instance");
        assertEquals(List.of("kv(\"a\", 1)", "kv(\"b\", 2)"), lines(sim.node("s"), "kv"),
            "durable tuples are loaded at the restart");
        assertEquals(List.of(), lines(sim.node("s"), "seen"), "a volatile table starts empty");
        sim.runUntilQuiescent(20);
        assertEquals(List.of("total(3)"), lines(sim.node("s"), "total"), "the view is rebuilt from the durable table");

        sim.load("c", new Tuple("cmd", "s", "c", 3L));
        sim.runUntilQuiescent(20);
        assertEquals(List.of("kv(\"a\", 1)", "kv(\"b\", 2)", "kv(\"c\", 3)"), lines(sim.node("s"), "kv"));
        assertEquals(List.of("total(6)"), lines(sim.node("s"), "total"));
        assertConservation(sim);
        assertTrue(logText().contains("crash s (2 durable tuples kept, 0 messages in flight to it lost)"), logText());
        assertTrue(logText().contains("restart s (2 durable tuples loaded)"), logText());
    }

    @Test
    void aCrashLosesTheMessagesInFlightToTheNodeButKeepsItsLastStep() {
        Simulator sim = new Simulator(11, SimConfig.noFaults(100), log);
        sim.addNode("c", KV);
        sim.addNode("s", KV);
        sim.load("c", new Tuple("cmd", "s", "kept", 1L));
        sim.round();
        sim.round();
        // s received put(kept) in round 2; its @next insert is part of that step's transition,
        // so the step is complete and its durable change survives a crash right after it.
        sim.load("c", new Tuple("cmd", "s", "in_flight", 2L));
        sim.round();
        assertEquals(1, sim.messagesInFlight());
        long dropped = sim.messagesDropped();
        sim.crash("s");
        assertEquals(0, sim.messagesInFlight());
        assertEquals(dropped + 1, sim.messagesDropped());
        sim.restart("s");
        sim.runUntilQuiescent(20);
        assertEquals(List.of("kv(\"kept\", 1)"), lines(sim.node("s"), "kv"));
        assertConservation(sim);
    }

    @Test
    void aPartitionDropsMessagesAcrossTheCutAndHealRestoresThem() {
        Simulator sim = relay(1, SimConfig.noFaults(100), "b", "c");
        sim.partition(List.of("a", "b"));
        sim.load("a", new Tuple("go", 1L, 2L));
        sim.runUntilQuiescent(20);
        assertEquals(List.of("got(\"a\", 1, 2, 100)", "got(\"a\", 2, 3, 200)"), lines(sim.node("b"), "got"));
        assertEquals(List.of(), lines(sim.node("c"), "got"));
        assertEquals(2, sim.messagesDropped());

        sim.heal();
        sim.load("a", new Tuple("go", 3L, 3L));
        sim.runUntilQuiescent(20);
        assertEquals(List.of("got(\"a\", 3, 5, 400)"), lines(sim.node("c"), "got"));
        assertConservation(sim);
        assertThrows(IllegalArgumentException.class, () -> sim.partition(List.of("zz")));
    }

    @Test
    void aNewCutDropsTheMessagesInFlightAcrossIt() {
        Simulator sim = relay(1, SimConfig.noFaults(100).withDelayMs(300, 300), "b", "c");
        sim.load("a", new Tuple("go", 1L, 1L));
        sim.round();
        assertEquals(2, sim.messagesInFlight());
        sim.partition(List.of("c"));
        sim.runUntilQuiescent(20);
        assertEquals(List.of("got(\"a\", 1, 4, 300)"), lines(sim.node("b"), "got"));
        assertEquals(List.of(), lines(sim.node("c"), "got"));
        assertEquals(1, sim.messagesDropped());
        assertConservation(sim);
    }

    @Test
    void aDropRateOfOneLosesEverything() {
        for (long seed : SimSupport.seeds(1, 2)) {
            Simulator sim = relay(seed, SimConfig.noFaults(100).withFaults(1.0, 0.5, 0.5), "b");
            sim.load("a", new Tuple("go", 1L, 10L));
            sim.runUntilQuiescent(50);
            assertEquals(10, sim.messagesSent(), "SEED=" + seed);
            assertEquals(10, sim.messagesDropped(), "SEED=" + seed);
            assertEquals(0, sim.messagesDelivered(), "SEED=" + seed);
            assertEquals(0, sim.messagesDuplicated(), "a lost message is not copied; SEED=" + seed);
            assertEquals(List.of(), lines(sim.node("b"), "got"));
        }
    }

    @Test
    void aDuplicateRateOfOneDeliversEveryMessageTwice() {
        for (long seed : SimSupport.seeds(1, 2)) {
            Simulator sim = relay(seed, SimConfig.noFaults(100).withFaults(0, 1.0, 0), "b");
            List<String> trace = new ArrayList<>();
            sim.trace(trace::add);
            sim.load("a", new Tuple("go", 1L, 10L));
            sim.runUntilQuiescent(50);
            assertEquals(10, sim.messagesSent());
            assertEquals(10, sim.messagesDuplicated());
            assertEquals(20, sim.messagesDelivered());
            assertEquals(20, trace.stream().filter(l -> l.contains(": deliver a -> b msg(")).count(), String.join("\n", trace));
            // Both copies arrive in the same round (no delay is configured) and the receiving
            // event is a set, so each message is recorded once.
            assertEquals(10, sim.node("b").contents("got").size());
            assertConservation(sim);
        }
    }

    @Test
    void reorderedMessagesOvertakeEachOtherAndAllArrive() {
        for (long seed : SimSupport.seeds(1, 2, 3)) {
            Simulator sim = relay(seed, SimConfig.noFaults(100).withFaults(0, 0, 1.0), "b");
            // Message n overtakes n + 1 only when n is held back two rounds more than n + 1
            // (probability 1/9 per pair): 100 messages make a run without one all but impossible.
            sim.load("a", new Tuple("go", 1L, 100L));
            sim.runUntilQuiescent(200);
            List<Tuple> got = sim.node("b").contents("got");
            assertEquals(100, got.size(), "SEED=" + seed);
            long[] arrival = new long[101];
            for (Tuple t : got) {
                long n = (Long) t.get(1);
                long step = (Long) t.get(2);
                arrival[(int) n] = step;
                long extra = step - n;
                // Message n leaves in step n: one round of delay, plus 1 to 3 rounds held back.
                assertTrue(extra >= 2 && extra <= 1 + SimConfig.REORDER_MAX_EXTRA_ROUNDS, "SEED=" + seed + " " + t);
            }
            boolean overtaken = false;
            for (int n = 1; n < 100; n++) {
                overtaken |= arrival[n] > arrival[n + 1];
            }
            assertTrue(overtaken, "no message overtook another with reorderRate 1; SEED=" + seed);
        }
    }

    @Test
    void delaysSpreadMessagesOverTheConfiguredRange() {
        for (long seed : SimSupport.seeds(1, 2, 3)) {
            Simulator sim = relay(seed, SimConfig.noFaults(100).withDelayMs(0, 500), "b");
            sim.load("a", new Tuple("go", 1L, 40L));
            sim.runUntilQuiescent(100);
            List<Tuple> got = sim.node("b").contents("got");
            assertEquals(40, got.size(), "SEED=" + seed);
            boolean[] seen = new boolean[6];
            for (Tuple t : got) {
                long delay = (Long) t.get(2) - (Long) t.get(1);
                assertTrue(delay >= 1 && delay <= 5, "SEED=" + seed + " " + t);
                seen[(int) delay] = true;
            }
            assertTrue(seen[1] && seen[5], "both ends of the delay range occur; SEED=" + seed);
        }
    }

    @Test
    void unknownAddressesAndBadCallsAreRejected() {
        Simulator sim = relay(1, SimConfig.noFaults(100), "b");
        assertThrows(IllegalArgumentException.class, () -> sim.addNode("b", RELAY));
        assertThrows(IllegalArgumentException.class, () -> sim.addNode("", RELAY));
        assertThrows(IllegalArgumentException.class, () -> sim.node("zz"));
        assertThrows(IllegalArgumentException.class, () -> sim.crash("zz"));
        assertThrows(IllegalArgumentException.class, () -> sim.load("zz", new Tuple("peer", "a")));
    }
}
