package io.boomfs.paxos.kv;

import io.boomfs.engine.runtime.FreePorts;
import io.boomfs.paxos.ReplicaProcess;
import io.boomfs.paxos.ReplicaServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replacing a replica through the log, with real processes: a group of three takes in a fourth
 * replica started with {@code --join} in place of the third; the third is then killed, and so
 * is one of the two that remain of the old group, so that the group can only go on if the new
 * replica learned the log and votes. Every acknowledged write must still be read back.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GroupChangeTest {
    private static final List<String> JVM = List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    private final List<ReplicaProcess> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(ReplicaProcess::close);
    }

    private ReplicaProcess start(ReplicaServer.Config cfg) {
        ReplicaProcess p = ReplicaProcess.start(cfg, JVM);
        started.add(p);
        return p;
    }

    private String dump() {
        StringBuilder sb = new StringBuilder();
        started.forEach(p -> sb.append(p.dump()));
        return sb.toString();
    }

    @Test
    void aJoiningReplicaReplacesAMemberAndTheGroupGoesOnWithIt(@TempDir Path dir) throws Exception {
        List<String> group = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            group.add(FreePorts.loopbackEndpoint());
        }
        String joiner = FreePorts.loopbackEndpoint();
        Map<String, ReplicaProcess> live = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            live.put(group.get(i), start(ReplicaServer.Config.of(group.get(i), group, dir.resolve("r" + (i + 1)))));
        }
        live.put(joiner, start(ReplicaServer.Config.of(joiner, List.of(), dir.resolve("r4"))));
        for (ReplicaProcess p : live.values()) {
            p.awaitReady(60_000);
        }
        List<String> all = new ArrayList<>(group);
        all.add(joiner);
        Map<String, Object> acked = new LinkedHashMap<>();
        try (KvClient client = KvClient.builder(all).deadlineMs(30_000).open()) {
            KvClient.Session s = client.newSession();
            for (int k = 0; k < 50; k++) {
                s.put("k" + k, "before-" + k);
                acked.put("k" + k, "before-" + k);
            }
            Object bad = s.submitAsync(List.of("px_replace", joiner, "127.0.0.1:1", 9L)).get(30, TimeUnit.SECONDS);
            assertTrue(String.valueOf(bad).startsWith("error: px_replace"), "replacing a non-member is refused: " + bad);
            Object ok = s.submitAsync(List.of("px_replace", group.get(2), joiner, 4L)).get(30, TimeUnit.SECONDS);
            assertEquals("ok", ok, dump());
            for (int k = 50; k < 100; k++) {
                s.put("k" + k, "during-" + k);
                acked.put("k" + k, "during-" + k);
            }
            // The joiner catches up from the leader's log on its heartbeats; give it a moment.
            Thread.sleep(3_000);
            live.get(group.get(2)).kill9();
            live.get(group.get(0)).kill9();
            // Only the old second replica and the joiner are left: a majority of the new group.
            for (int k = 100; k < 150; k++) {
                s.put("k" + k, "after-" + k);
                acked.put("k" + k, "after-" + k);
            }
            for (Map.Entry<String, Object> e : acked.entrySet()) {
                assertEquals(e.getValue(), s.get(e.getKey()), e.getKey() + "\n" + dump());
            }
            assertTrue(List.of(group.get(1), joiner).contains(client.leader()), "the leader is one of the two left: "
                + client.leader());
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(e.getMessage() + "\n" + dump(), e);
        }
    }
}
