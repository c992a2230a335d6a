package io.boomfs.deploy.up;

import io.boomfs.deploy.Cli;
import io.boomfs.deploy.status.Scrape;
import io.boomfs.deploy.topology.Topology;
import io.boomfs.deploy.topology.TopologyLoader;
import io.boomfs.engine.runtime.ClusterKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cluster membership auth between real processes ({@code boom node}): a topology of 3 replicas
 * and 2 datanodes keyed by {@code good.key}, where replica m3 and datanode dn2 run from a copy of
 * it naming {@code wrong.key}. m1 and m2 elect a leader; m3 campaigns again and again with ever
 * higher ballots, yet the group's ballot never moves and m3 never leads; dn1's heartbeats are
 * counted (the shard lists one live datanode), dn2's are not; the frames the wrong-key nodes send
 * are refused and counted as bad MACs on both sides; a client, which holds no key, is served.
 */
class MembershipAuthProcessTest {
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void nodesWithTheWrongKeyCannotVoteNorReport(@TempDir Path dir) throws Exception {
        Path base = BoomProcess.topology(dir, 3, 2);
        String yaml = Files.readString(base);
        Path good = dir.resolve("t.yaml");
        Path wrong = dir.resolve("t-wrong.yaml");
        Files.writeString(good, "security: {clusterKeyFile: good.key}\n" + yaml);
        Files.writeString(wrong, "security: {clusterKeyFile: wrong.key}\n" + yaml);
        ClusterKey.generate(dir.resolve("good.key"), false, new SecureRandom());
        ClusterKey.generate(dir.resolve("wrong.key"), false, new SecureRandom());
        Topology t = TopologyLoader.load(good);
        try (BoomProcess m1 = node(dir, good, "m1");
             BoomProcess m2 = node(dir, good, "m2");
             BoomProcess m3 = node(dir, wrong, "m3");
             BoomProcess dn1 = node(dir, good, "dn1");
             BoomProcess dn2 = node(dir, wrong, "dn2")) {
            for (BoomProcess p : List.of(m1, m2, m3)) {
                p.await(l -> l.startsWith("READY 127.0.0.1:"), 90_000);
            }
            dn1.await(l -> l.startsWith("READY dn1 "), 90_000);
            dn2.await(l -> l.startsWith("READY dn2 "), 90_000);
            m1.await(l -> l.contains("cluster membership auth on (key "), 1_000);

            await(() -> leads(m1) || leads(m2), 60_000, "m1 or m2 leads");
            BoomProcess leader = leads(m1) ? m1 : m2;
            String leaderId = leader == m1 ? "m1" : "m2";
            long ballot = scrape(t, leaderId).value("boom_paxos_ballot", -1);
            assertTrue(ballot > 0, "the leader's ballot");
            // m3 hears no heartbeat it accepts, so it campaigns with higher and higher ballots:
            // wait until it has gone past the leader's, and until dn1's heartbeats have arrived.
            await(() -> scrape(t, "m3").value("boom_paxos_promised_ballot", -1) > ballot, 60_000,
                "m3 campaigns with a ballot above the leader's " + ballot);
            await(() -> scrape(t, leaderId).sample("boom_meta_rows", "table", "dn_live").map(s -> s.value() == 1).orElse(false), 30_000,
                "the shard lists dn1");
            long refusedBefore = refused(t, leaderId);
            long m3Ballot = scrape(t, "m3").value("boom_paxos_promised_ballot", -1);
            // Two election timeouts and several datanode heartbeats more: nothing of theirs gets in.
            await(() -> scrape(t, "m3").value("boom_paxos_promised_ballot", -1) > m3Ballot, 30_000, "m3 campaigns again");
            // A ballot is round * 256 + the campaigner's id: m3's own promise names its id. On a
            // loaded machine m1 and m2 may elect each other again (a leader late with its
            // heartbeats); what m3 may never get is a promise or a leadership of theirs.
            long m3Id = m3Ballot % 256;
            for (String id : List.of("m1", "m2")) {
                Scrape s = scrape(t, id);
                long promised = s.value("boom_paxos_promised_ballot", -1);
                long following = s.value("boom_paxos_ballot", -1);
                assertTrue(promised >= ballot && promised % 256 != m3Id,
                    id + " promised no ballot of m3's (id " + m3Id + "): " + promised + " (the leader's was " + ballot + ")");
                assertTrue(following == -1 || following % 256 != m3Id,
                    id + " follows no leadership of m3's (id " + m3Id + "): " + following);
                assertEquals(1, s.sample("boom_meta_rows", "table", "dn_live").map(x -> (long) x.value()).orElse(-1L),
                    id + " lists dn1 only, not dn2: " + s);
            }
            assertFalse(m3.output().contains("ROLE leader"), "m3 never led");
            long refusedAfter = refused(t, leaderId);
            assertTrue(refusedAfter > refusedBefore && refusedBefore > 0, "the leader refuses m3's and dn2's frames as bad MACs: "
                + refusedBefore + " then " + refusedAfter);
            assertTrue(refused(t, "m3") > 0, "m3 refuses the group's frames too");
            assertTrue(leader.output().contains("(bad_mac): its MAC does not verify with this node's cluster key"), leader::output);
            // A client holds no key: its requests are among the relations open to anyone.
            Cli.Result mkdir = Cli.run(dir, "fs", "--topology", good.toString(), "mkdir", "-p", "/a/b");
            assertEquals(0, mkdir.code(), mkdir::toString);
            Cli.Result ls = Cli.run(dir, "fs", "--topology", good.toString(), "ls", "/a");
            assertEquals(0, ls.code(), ls::toString);
            assertTrue(ls.out().contains("b"), ls::toString);
            assertEquals(0, scrape(t, leaderId).sample("boom_auth_refused_frames_total", "reason", "unsigned").map(x -> (long) x.value())
                .orElse(-1L), "nothing the client sent was refused");
        }
    }

    private static BoomProcess node(Path dir, Path topology, String id) {
        return BoomProcess.start(dir, "node", "--topology", topology.toString(), "--id", id);
    }

    private static boolean leads(BoomProcess p) {
        String out = p.output();
        return out.lastIndexOf("ROLE leader") > out.lastIndexOf("ROLE follower");
    }

    private static Scrape scrape(Topology t, String id) {
        return Scrape.of(t.node(id).orElseThrow().metricsAddress(), 2000);
    }

    private static long refused(Topology t, String id) {
        return scrape(t, id).sample("boom_auth_refused_frames_total", "reason", "bad_mac").map(s -> (long) s.value()).orElse(-1L);
    }

    private static void await(BooleanSupplier done, long timeoutMs, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!done.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("not within " + timeoutMs + " ms: " + what);
            }
            Thread.sleep(200);
        }
    }
}
