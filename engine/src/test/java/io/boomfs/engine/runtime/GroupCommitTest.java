package io.boomfs.engine.runtime;

import io.boomfs.engine.NodeOptions;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;
import org.agrona.concurrent.EpochClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NodeAgent's group commit and snapshot trigger, with the duty cycle driven by the test: the
 * agent reads its clock between the steps of a group, which lets the test look at the log and
 * the published tuples in the middle of a group.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupCommitTest {
    /**
     * ping(1) starts a chain: each step records N durably, sends out(N) to b and ping(N+1) to
     * itself (an asynchronous head: it arrives in the next step), up to 5. checkpoint holds a
     * tuple in the step of ping(3).
     */
    static final Program CHAIN = Programs.compile("chain.olg", """
        event ping(@Me: addr, N: long).
        event out(@To: addr, N: long).
        event checkpoint(N: long).
        durable table seen(N: long) key(N).
        table me(A: addr).
        table peer(P: addr).
        seen(N) :- ping(@Me, N).
        ping(@A, N1) :- ping(@Me, N), me(A), N < 5, N1 := N + 1.
        out(@P, N) :- ping(@Me, N), peer(P).
        checkpoint(N) :- ping(@Me, N), N == 3.
        """);

    final Support.Log log = new Support.Log();
    AeronHost host;
    AeronTransport transport;

    @BeforeEach
    void startHost() {
        host = AeronHost.embedded(log);
        transport = new AeronTransport(host, "a", FreePorts.loopbackEndpoint(), Map.of("b", FreePorts.loopbackEndpoint()), new Schemas(CHAIN), 64, log);
    }

    @AfterEach
    void stopHost() {
        transport.close();
        host.close();
    }

    /** What the agent had logged, synced and published each time it read the clock. */
    record Seen(long excerpts, long syncs, long published) {
    }

    static final class WatchingClock implements EpochClock {
        final List<Seen> seen = new ArrayList<>();
        NodeAgent agent;

        @Override
        public long time() {
            if (agent != null && agent.isStarted()) {
                DurableStore s = agent.store();
                seen.add(new Seen(s.excerpts(), s.syncNanos().count(), agent.metrics().tuplesOut.get()));
            }
            return 1_000;
        }
    }

    /** An agent made with a group time limit of {@code ms} (-Dboomfs.group_max_ms, read when it is made). */
    static NodeAgent withGroupTimeLimit(long ms, java.util.function.Supplier<NodeAgent> make) {
        System.setProperty("boomfs.group_max_ms", Long.toString(ms));
        try {
            return make.get();
        } finally {
            System.clearProperty("boomfs.group_max_ms");
        }
    }

    NodeAgent agent(DurableStore store, WatchingClock clock, int maxGroupSteps, String snapshotOn) {
        // These tests count a group's steps: no time limit (a cold first step takes milliseconds).
        return agent(store, clock, maxGroupSteps, snapshotOn, 60_000);
    }

    NodeAgent agent(DurableStore store, WatchingClock clock, int maxGroupSteps, String snapshotOn, long groupMaxMs) {
        NodeAgent a = withGroupTimeLimit(groupMaxMs,
            () -> new NodeAgent(CHAIN, "a", NodeOptions.defaults(), transport, store, clock, 64, 0, log, maxGroupSteps, snapshotOn));
        clock.agent = a;
        a.onStart();
        assertTrue(a.inject(new Tuple("me", "a")));
        assertTrue(a.inject(new Tuple("peer", "b")));
        assertTrue(a.inject(new Tuple("ping", "a", 1L)));
        return a;
    }

    static Set<Tuple> seenTuples(long upTo) {
        Set<Tuple> s = new HashSet<>();
        for (long n = 1; n <= upTo; n++) {
            s.add(new Tuple("seen", n));
        }
        return s;
    }

    @Test
    void oneMsyncCoversAGroupOfStepsAndNothingIsPublishedBeforeIt(@TempDir Path dir) {
        WatchingClock clock = new WatchingClock();
        List<Seen> atFirstDelivery = new ArrayList<>();
        try (DurableStore store = DurableStore.open(dir, CHAIN, DurableStore.Durability.SYNC, log)) {
            NodeAgent a = agent(store, clock, 16, null);
            // Delivered with step 1's outbound tuples: by then the whole group is synced, and
            // no later step of the group is published yet (step order).
            a.subscribe("seen", c -> {
                if (atFirstDelivery.isEmpty()) {
                    atFirstDelivery.add(new Seen(store.excerpts(), store.syncNanos().count(), a.metrics().tuplesOut.get()));
                }
            });
            a.doWork();

            assertEquals(5, a.metrics().steps.get(), "the chain of five pings ran in one duty cycle");
            assertEquals(1, a.metrics().groups.get());
            assertEquals(5, a.metrics().groupSteps.max());
            // The clock is read after each step of the group, before the group is committed.
            assertEquals(6, clock.seen.size(), clock.seen.toString());
            for (Seen s : clock.seen) {
                assertEquals(new Seen(0, 0, 0), s, "within the group nothing is logged or published: " + clock.seen);
            }
            assertEquals(1, store.excerpts(), "one excerpt for the group");
            assertEquals(1, store.syncNanos().count(), "one msync for five steps with durable changes");
            assertEquals(List.of(new Seen(1, 1, 2)), atFirstDelivery, "step 1's out and self-sent ping only");
            assertEquals(9, a.metrics().tuplesOut.get(), "five out, four self-sent pings");
            assertTrue(a.describeMetrics().contains("groups 1 (5.00 steps each, max 5)"), a.describeMetrics());
        }
        try (DurableStore store = DurableStore.open(dir, CHAIN, DurableStore.Durability.SYNC, log)) {
            DurableStore.Recovery r = store.recover();
            assertEquals(seenTuples(5), new HashSet<>(r.tuples()));
            assertEquals(1, r.excerptsReplayed());
            assertEquals(5, r.lastStep(), "the excerpt carries the group's last step");
        }
    }

    /** As CHAIN, but only pings from 3 on change the table that must be synced (seen). */
    static final Program LAZY = Programs.compile("lazy.olg", """
        event ping(@Me: addr, N: long).
        event out(@To: addr, N: long).
        durable table seen(N: long) key(N).
        durable table lazy(N: long) key(N).
        table me(A: addr).
        table peer(P: addr).
        lazy(N) :- ping(@Me, N).
        seen(N) :- ping(@Me, N), N >= 3.
        ping(@A, N1) :- ping(@Me, N), me(A), N < 5, N1 := N + 1.
        out(@P, N) :- ping(@Me, N), peer(P).
        """);

    @Test
    void stepsThatChangeNoSyncedTableSendAtOnceAndTheRestWaitForTheMsync(@TempDir Path dir) {
        WatchingClock clock = new WatchingClock();
        try (AeronTransport t = new AeronTransport(host, "c", FreePorts.loopbackEndpoint(), Map.of("b", FreePorts.loopbackEndpoint()),
                new Schemas(LAZY), 64, log);
             DurableStore store = DurableStore.open(dir, LAZY, DurableStore.Durability.SYNC, log)) {
            // It counts a group's steps too: no time limit (a loaded machine's step may take 10 ms).
            NodeAgent a = withGroupTimeLimit(60_000,
                () -> new NodeAgent(LAZY, "c", NodeOptions.defaults(), t, store, clock, 64, 0, log, 16, null));
            clock.agent = a;
            a.onStart();
            a.syncOnly(List.of("seen"));
            assertTrue(a.inject(new Tuple("me", "c")));
            assertTrue(a.inject(new Tuple("peer", "b")));
            assertTrue(a.inject(new Tuple("ping", "c", 1L)));
            a.doWork();
            assertEquals(5, a.metrics().steps.get());
            // Read after each step: steps 1 and 2 (lazy only) went out at once, 3 to 5 waited.
            assertEquals(List.of(new Seen(0, 0, 0), new Seen(0, 0, 2), new Seen(0, 0, 4), new Seen(0, 0, 4),
                new Seen(0, 0, 4), new Seen(0, 0, 4)), clock.seen);
            assertEquals(1, store.syncNanos().count(), "one msync, for the steps that changed seen");
            assertEquals(9, a.metrics().tuplesOut.get());
            assertThrows(IllegalArgumentException.class, () -> a.syncOnly(List.of("me")), "not a durable table");
        }
        try (DurableStore store = DurableStore.open(dir, LAZY, DurableStore.Durability.SYNC, log)) {
            Set<Tuple> all = new HashSet<>(store.recover().tuples());
            assertEquals(8, all.size(), "lazy 1..5 and seen 3..5, all in the group's one excerpt: " + all);
        }
    }

    @Test
    void aGroupEndsAtItsLimit(@TempDir Path dir) {
        try (DurableStore store = DurableStore.open(dir, CHAIN, DurableStore.Durability.SYNC, log)) {
            NodeAgent a = agent(store, new WatchingClock(), 2, null);
            a.doWork();
            assertEquals(2, a.metrics().steps.get());
            assertEquals(1, store.syncNanos().count());
            assertEquals(4, a.metrics().tuplesOut.get(), "both steps published after their sync: an out and a self-sent ping each");
            a.doWork();
            a.doWork();
            assertEquals(5, a.metrics().steps.get());
            assertEquals(3, a.metrics().groups.get(), "groups of 2, 2 and 1 steps");
            assertEquals(3, store.syncNanos().count());
            assertEquals(3, store.excerpts());
        }
    }

    /** Long steps do not hold a group's answers for maxGroupSteps of them: a group ends once its steps took the time limit. */
    @Test
    void aGroupEndsOnceItsStepsTookTheTimeLimit(@TempDir Path dir) {
        try (DurableStore store = DurableStore.open(dir, CHAIN, DurableStore.Durability.SYNC, log)) {
            NodeAgent a = agent(store, new WatchingClock(), 16, null, 0);
            for (int i = 0; i < 3; i++) {
                a.doWork();
            }
            assertEquals(3, a.metrics().steps.get(), "one step a duty cycle: each step reached the limit of 0 ms");
            assertEquals(3, a.metrics().groups.get());
            assertEquals(3, store.syncNanos().count());
        }
    }

    @Test
    void aStepRaisingTheSnapshotEventEndsTheGroupAndIsSnapshotted(@TempDir Path dir) {
        try (DurableStore store = DurableStore.open(dir, CHAIN, DurableStore.Durability.SYNC, log)) {
            NodeAgent a = agent(store, new WatchingClock(), 16, "checkpoint");
            a.doWork();
            assertEquals(3, a.metrics().steps.get(), "the group ends with the step of checkpoint(3)");
            assertEquals(1, a.metrics().snapshots.get());
            assertTrue(Files.exists(dir.resolve(DurableStore.SNAPSHOT)));
            a.doWork();
            assertEquals(5, a.metrics().steps.get());
            assertEquals(1, a.metrics().snapshots.get(), "no checkpoint in steps 4 and 5");
        }
        try (DurableStore store = DurableStore.open(dir, CHAIN, DurableStore.Durability.SYNC, log)) {
            DurableStore.Recovery r = store.recover();
            assertTrue(r.snapshotIndex() >= 0);
            assertEquals(1, r.excerptsReplayed(), "only the group after the snapshot");
            assertEquals(seenTuples(5), new HashSet<>(r.tuples()));
        }
    }

    @Test
    void badSettingsAreRefusedNamingWhy(@TempDir Path dir) {
        try (DurableStore store = DurableStore.open(dir, CHAIN, DurableStore.Durability.SYNC, log)) {
            IllegalArgumentException table = assertThrows(IllegalArgumentException.class,
                () -> new NodeAgent(CHAIN, "a", NodeOptions.defaults(), transport, store, new WatchingClock(), 64, 0, log, 16, "seen"));
            assertTrue(table.getMessage().startsWith("snapshot trigger seen is a table, not an event"), table.getMessage());
            IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> new NodeAgent(CHAIN, "a", NodeOptions.defaults(), transport, store, new WatchingClock(), 64, 0, log, 16, "nope"));
            assertEquals("snapshot trigger nope: program chain.olg has no such relation", unknown.getMessage());
            IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> new NodeAgent(CHAIN, "a", NodeOptions.defaults(), transport, store, new WatchingClock(), 64, 0, log, 0, null));
            assertEquals("maxGroupSteps must be at least 1, but it is 0", zero.getMessage());
        }
        assertFalse(log.lines.stream().anyMatch(l -> l.contains("failed")), log.toString());
    }
}
