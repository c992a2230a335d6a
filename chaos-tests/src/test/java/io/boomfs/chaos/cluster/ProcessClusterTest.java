package io.boomfs.chaos.cluster;

import io.boomfs.paxos.ReplicaServer;
import io.boomfs.paxos.kv.KvClient;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The process backend against a real KV group: each fault does what it says (a partitioned or
 * paused leader is replaced, a killed node restarts on its data), and close leaves nothing
 * behind (no process, no namespace, no bridge).
 */
class ProcessClusterTest {
    private static List<NodeSpec> group() {
        List<NodeSpec> specs = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            specs.add(new NodeSpec("r" + i, NodeSpec.Role.REPLICA, JvmLaunchers.replica(ReplicaServer.class.getName(), Map.of(), i)));
        }
        return specs;
    }

    private static long clock() {
        return System.nanoTime();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void faultsDoWhatTheySayAndCloseLeavesNothing(@TempDir Path dir) {
        String why = NamespaceNetwork.unavailable();
        Assumptions.assumeTrue(why == null, why);
        List<Long> pids = new ArrayList<>();
        try (ProcessCluster c = ProcessCluster.start(group(), dir, ProcessClusterTest::clock, true, System.out::println);
             KvClient kv = KvClient.builder(c.replicaEndpoints()).bindHost(c.clientHost()).deadlineMs(20_000).open()) {
            assertNull(c.partitionsUnavailable());
            kv.put("x", 1L);
            String first = awaitLeader(c, null);

            c.partition(List.of(Set.of(first), Set.of(others(first).toArray(new String[0]))));
            String second = awaitLeader(c, first);
            kv.put("x", 2L);
            c.heal();
            assertEquals(2L, kv.get("x"));

            c.pause(second);
            assertTrue(c.isPaused(second));
            String third = awaitLeader(c, second);
            kv.put("x", 3L);
            c.resume(second);
            assertFalse(c.isPaused(second));

            c.kill(third);
            assertFalse(c.isRunning(third));
            assertThrows(IllegalStateException.class, () -> c.kill(third));
            kv.put("x", 4L);
            c.start(third);
            assertTrue(c.isRunning(third));
            assertEquals(4L, kv.get("x"));
            assertTrue(c.logs().get(third).stream().anyMatch(l -> l.contains("harness killed (SIGKILL)")));
            for (NodeSpec n : c.nodes()) {
                pids.add(pid(c, n.id()));
            }
        }
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " still runs");
        }
        String prefix = "bc" + ProcessHandle.current().pid();
        assertFalse(Shell.run("ip", "netns", "list").contains(prefix), "a namespace was left behind");
        assertFalse(Shell.run("ip", "-o", "link").contains(prefix), "a bridge or veth was left behind");
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void onLoopbackPartitionsSayWhyTheyAreUnavailable(@TempDir Path dir) {
        try (ProcessCluster c = ProcessCluster.start(group(), dir, ProcessClusterTest::clock, false, System.out::println)) {
            assertEquals("127.0.0.1", c.clientHost());
            assertNotNull(c.partitionsUnavailable());
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> c.partition(List.of(Set.of("r1"), Set.of("r2", "r3"))));
            assertTrue(e.getMessage().startsWith("no partitions on loopback: "), e.getMessage());
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> c.kill("r9"));
            assertEquals("no node r9 in this cluster (nodes: [r1, r2, r3])", bad.getMessage());
        }
    }

    private static List<String> others(String id) {
        List<String> o = new ArrayList<>(List.of("r1", "r2", "r3"));
        o.remove(id);
        return o;
    }

    /** Waits for a leader other than {@code not} (null: any) as the replicas announce it. */
    private static String awaitLeader(ProcessCluster c, String not) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            Optional<String> l = c.leader();
            if (l.isPresent() && !l.get().equals(not)) {
                return l.get();
            }
            sleep(20);
        }
        throw new AssertionError("no leader other than " + not + " within 20 s");
    }

    private static long pid(ProcessCluster c, String id) {
        for (String line : c.logs().get(id)) {
            int at = line.indexOf("harness started pid ");
            if (at >= 0) {
                String rest = line.substring(at + "harness started pid ".length());
                return Long.parseLong(rest.substring(0, rest.indexOf(':')));
            }
        }
        throw new AssertionError("no start line in the log of " + id);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }

    private static void assertNull(Object o) {
        assertEquals(null, o);
    }
}
