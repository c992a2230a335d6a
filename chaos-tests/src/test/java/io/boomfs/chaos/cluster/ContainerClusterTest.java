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
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The container backend against a real KV group; skipped where no Docker engine is reachable. */
class ContainerClusterTest {
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void aKilledLeaderIsReplacedAndComesBack(@TempDir Path dir) {
        Assumptions.assumeTrue(ContainerCluster.dockerAvailable(), "no Docker engine is reachable: the container backend is not tested here");
        List<NodeSpec> specs = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            specs.add(new NodeSpec("r" + i, NodeSpec.Role.REPLICA, JvmLaunchers.replica(ReplicaServer.class.getName(), Map.of(), i)));
        }
        try (ContainerCluster c = ContainerCluster.start(specs, dir, System::nanoTime, ContainerCluster.DEFAULT_IMAGE, System.out::println);
             KvClient kv = KvClient.builder(c.replicaEndpoints()).bindHost(c.clientHost()).deadlineMs(30_000).open()) {
            kv.put("x", 1L);
            String leader = c.leader().orElseThrow();
            c.kill(leader);
            assertFalse(c.isRunning(leader));
            kv.put("x", 2L);
            assertNotEquals(leader, c.leader().orElseThrow());
            c.start(leader);
            assertTrue(c.isRunning(leader));
            assertEquals(2L, kv.get("x"));
        }
    }
}
