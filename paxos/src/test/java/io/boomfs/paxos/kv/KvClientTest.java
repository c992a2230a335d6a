package io.boomfs.paxos.kv;

import io.boomfs.engine.runtime.FreePorts;
import io.boomfs.engine.runtime.Pause;
import io.boomfs.paxos.ReplicaServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client against a real group in this JVM (three replicas over Aeron on loopback, each with
 * its Chronicle log): the operations, pipelined sessions, failover, deadlines and misuse.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KvClientTest {
    @Test
    void operationsHaveTheStoresMeaning(@TempDir Path dir) {
        try (InProcessGroup g = new InProcessGroup(3, dir); KvClient c = g.client().open()) {
            try {
                c.put("a", 1L);
                assertEquals(1L, c.get("a"));
                assertTrue(c.cas("a", 1L, "two"));
                assertFalse(c.cas("a", 1L, "three"), "cas compares with the current value");
                assertEquals("two", c.get("a"));
                assertTrue(c.delete("a"));
                assertFalse(c.delete("a"), "nothing left to delete");
                assertNull(c.get("a"));
                assertTrue(c.cas("a", null, List.of("x", 2L)), "cas from absent");
                assertEquals(List.of("x", 2L), c.get("a"));
                assertTrue(g.members.contains(c.leader()), "the client learned the leader: " + c.leader());
                // A client that lets through more than the group takes hears the group's refusal.
                try (KvClient lax = g.client().opMaxBytes(100_000).open()) {
                    KvException e = assertThrows(KvException.class, () -> lax.put("big", "x".repeat(3_000)));
                    assertTrue(e.getMessage().startsWith("put big: the store answered error: op too large"), e.getMessage());
                }
            } catch (RuntimeException | Error e) {
                throw new AssertionError(e + "\n" + g.dump(), e);
            }
        }
    }

    @Test
    void pipelinedSessionsEachKeepTheirOrder(@TempDir Path dir) throws Exception {
        try (InProcessGroup g = new InProcessGroup(3, dir); KvClient c = g.client().open()) {
            int sessions = 32;
            int perSession = 40;
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int s = 0; s < sessions; s++) {
                KvClient.Session session = c.newSession();
                // Submitted all at once: a session runs them one after another, in this order.
                for (int i = 1; i <= perSession; i++) {
                    all.add(session.putAsync("s" + s, (long) i));
                }
            }
            CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(120, TimeUnit.SECONDS);
            KvClient.Session reader = c.newSession();
            for (int s = 0; s < sessions; s++) {
                assertEquals((long) perSession, reader.get("s" + s), "the last put of session " + s + " wins\n" + g.dump());
            }
            assertEquals(sessions * perSession + sessions, c.stats().completed());
        }
    }

    @Test
    void operationsContinueAfterTheLeaderStops(@TempDir Path dir) {
        try (InProcessGroup g = new InProcessGroup(3, dir); KvClient c = g.client().retryMs(50).open()) {
            c.put("k", 1L);
            String leader = c.leader();
            int i = g.members.indexOf(leader);
            g.replicas.get(i).close();
            g.replicas.set(i, null);
            c.put("k", 2L);
            assertEquals(2L, c.get("k"));
            assertTrue(!leader.equals(c.leader()) && g.members.contains(c.leader()), "a new leader answered: " + c.leader()
                + "\n" + g.dump());
            // The old leader comes back on its data directory and the group goes on.
            g.replicas.set(i, g.start(i));
            c.put("k", 3L);
            assertEquals(3L, c.get("k"));
        }
    }

    /**
     * A lone session's op that its leader is slow to answer (the leader's step thread stalls past
     * the retry timeout) is sent again to the leader alone, not to every replica: nothing else
     * answered lately either, which is what a group without a leader looks like too, but the
     * copies to every replica would only add work where the group is short of time. (Elections
     * wait 3-4 s, so that the stall stays a slow leader; the retry comes 1 s after the send, 200
     * ms before the stall ends, and a broadcast would come 500 ms after the retry.)
     */
    @Test
    void aLoneSessionsRetryGoesToItsSlowLeaderAloneFirst(@TempDir Path dir) throws Exception {
        Map<String, Long> slowElections = Map.of("election_min_ms", 3_000L, "election_max_ms", 4_000L);
        try (InProcessGroup g = new InProcessGroup(3, dir, slowElections); KvClient c = g.client().retryMs(1_000).open()) {
            c.put("k", 0L);
            c.put("k", 1L);
            String leader = c.leader();
            ReplicaServer r = g.replicas.get(g.members.indexOf(leader));
            KvClient.Stats before = c.stats();
            CountDownLatch stalling = new CountDownLatch(1);
            CompletableFuture<Object> stall = r.node().agent().call(n -> {
                stalling.countDown();
                Pause.millis(1_200);
                return null;
            });
            assertTrue(stalling.await(10, TimeUnit.SECONDS), "the leader's step thread took the stall");
            c.put("k", 2L);
            stall.get(10, TimeUnit.SECONDS);
            KvClient.Stats after = c.stats();
            assertEquals(1, after.retries() - before.retries(), "one retry: " + after);
            assertEquals(2, after.sends() - before.sends(), "sent, then once more to the leader alone: " + after);
            assertEquals(0, after.redirects() - before.redirects(), "no follower was asked: " + after);
            assertEquals(2L, c.get("k"));
        }
    }

    /**
     * An op that no frame can carry (its client allows ops over op_max_bytes) is refused at
     * once, saying why, instead of timing out after being dropped by the transport at each try;
     * one just under the limit is sent (and here times out: nobody listens).
     */
    @Test
    void anOpNoFrameCarriesIsRefusedAtOnce() {
        List<String> nobody = List.of(FreePorts.loopbackEndpoint());
        try (KvClient c = KvClient.builder(nobody).opMaxBytes(1 << 20).retryMs(20).deadlineMs(200).open()) {
            KvClient.Session s = c.newSession();
            List<Object> big = List.of("put", "k", "x".repeat(KvClient.MAX_OP_FRAME_BYTES));
            long t0 = System.nanoTime();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.submitAsync(big));
            assertTrue(e.getMessage().contains("more than one frame carries"), e.getMessage());
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 100, "at once");
            List<Object> fits = List.of("put", "k", "x".repeat(KvClient.MAX_OP_FRAME_BYTES - 100));
            ExecutionException sent = assertThrows(ExecutionException.class, () -> s.submitAsync(fits).get(10, TimeUnit.SECONDS));
            assertTrue(sent.getCause() instanceof KvException.Timeout, sent.getCause().toString());
        }
    }

    @Test
    void anOperationWithoutAnswerFailsAtItsDeadlineNamingTheReplicasTried() {
        List<String> nobody = List.of(FreePorts.loopbackEndpoint(), FreePorts.loopbackEndpoint());
        List<String> log = new ArrayList<>();
        try (KvClient c = KvClient.builder(nobody).retryMs(20).deadlineMs(300).log(log::add).open()) {
            long t0 = System.nanoTime();
            KvException.Timeout e = assertThrows(KvException.Timeout.class, () -> c.put("k", "v"));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(ms >= 290 && ms < 5_000, "failed at its deadline, not before: " + ms + " ms");
            assertEquals(nobody, e.tried());
            assertTrue(e.getMessage().startsWith("put k: no answer within 300 ms") && e.getMessage().contains(nobody.get(1))
                && e.getMessage().contains("outcome is unknown"), e.getMessage());
            assertTrue(c.stats().retries() >= 5, "retried every 20 ms: " + c.stats());
            // The session moves on: its next operation is sent (and fails the same way).
            assertThrows(KvException.Timeout.class, () -> c.get("k"));
        }
    }

    @Test
    void misuseIsRefusedWithTheReason() throws Exception {
        List<String> nobody = List.of(FreePorts.loopbackEndpoint());
        try (KvClient c = KvClient.builder(nobody).retryMs(20).deadlineMs(200).log(l -> { }).open()) {
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> c.put("k", 1));
            assertTrue(bad.getMessage().contains("use a long"), bad.getMessage());
            IllegalArgumentException big = assertThrows(IllegalArgumentException.class, () -> c.put("k", "x".repeat(3_000)));
            assertTrue(big.getMessage().startsWith("put k: the op takes ") && big.getMessage().endsWith(
                "bytes on the wire, more than the 2000 a replica group takes (op_max_bytes)"), big.getMessage());
            // The get times out on the client's thread, which runs the callback: a blocking call
            // there would wait for the thread it blocks.
            CompletableFuture<Throwable> fromCallback = new CompletableFuture<>();
            c.newSession().getAsync("x").whenComplete((r, e) -> {
                try {
                    c.get("k");
                    fromCallback.complete(null);
                } catch (Throwable t) {
                    fromCallback.complete(t);
                }
            });
            assertInstanceOf(IllegalStateException.class, fromCallback.get(10, TimeUnit.SECONDS));
        }
        KvClient c = KvClient.builder(nobody).deadlineMs(60_000).log(l -> { }).open();
        CompletableFuture<Void> outstanding = c.newSession().putAsync("k", "v");
        c.close();
        CompletionException closed = assertThrows(CompletionException.class, outstanding::join);
        assertTrue(closed.getCause() instanceof KvException && closed.getCause().getMessage().equals("put k: the client is closed"),
            "" + closed);
        assertThrows(KvException.class, () -> c.put("k", "v"), "a closed client refuses");
    }
}
