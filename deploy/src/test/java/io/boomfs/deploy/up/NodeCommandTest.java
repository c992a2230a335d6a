package io.boomfs.deploy.up;

import io.boomfs.deploy.Cli;
import io.boomfs.deploy.status.Scrape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code boom node}: a replica and a datanode of one topology, each a process, serving their metrics. */
class NodeCommandTest {
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aReplicaAndADatanodeRunFromTheTopology(@TempDir Path dir) throws Exception {
        Path t = BoomProcess.topology(dir, 1, 1);
        String yaml = Files.readString(t);
        try (BoomProcess m1 = BoomProcess.start(dir, "node", "--topology", t.toString(), "--id", "m1");
             BoomProcess dn1 = BoomProcess.start(dir, "node", "--topology", t.toString(), "--id", "dn1")) {
            m1.await(l -> l.startsWith("READY 127.0.0.1:"), 60_000);
            m1.await(l -> l.startsWith("ROLE leader "), 30_000);
            dn1.await(l -> l.startsWith("READY dn1 127.0.0.1:"), 60_000);

            Scrape replica = awaitMetric(metricsOf(yaml, "m1"), "boom_meta_rows", "table", "dn_live");
            assertEquals(1, replica.value("boom_paxos_is_leader", -1));
            assertEquals("replica", replica.sample("boom_node_info").orElseThrow().labels().get("kind"));
            Scrape dn = Scrape.of(metricsOf(yaml, "dn1"), 5000);
            assertEquals(1L << 30, dn.value("boom_datanode_capacity_bytes", -1));
            assertEquals(0, dn.value("boom_datanode_chunks", -1));
            assertTrue(dn.value("boom_steps_total", 0) > 0, "the control path's runtime counters");

            assertEquals(143, dn1.terminate(20_000), dn1::output);
            assertEquals(143, m1.terminate(20_000), m1::output);
        }
    }

    /** Scrapes until the sample is there and 1: the replica knows the datanode once a heartbeat arrived. */
    private static Scrape awaitMetric(String address, String name, String... labels) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (true) {
            Scrape s = Scrape.of(address, 2000);
            if (s.sample(name, labels).map(x -> x.value() == 1).orElse(false)) {
                return s;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError(name + " never 1 at " + address + ": " + s);
            }
            Thread.sleep(100);
        }
    }

    private static String metricsOf(String yaml, String id) {
        Matcher m = Pattern.compile("id: " + id + ", host: 127.0.0.1, .*?metricsPort: (\\d+)").matcher(yaml);
        assertTrue(m.find(), id);
        return "127.0.0.1:" + m.group(1);
    }

    @Test
    void anUnknownIdListsTheIds(@TempDir Path dir) throws Exception {
        Path t = BoomProcess.topology(dir, 1, 1);
        Cli.Result r = Cli.run(dir, "node", "--topology", t.toString(), "--id", "m9");
        assertEquals(1, r.code());
        assertEquals("boom: error: no node m9 in " + t + "; its nodes are m1, dn1\n", r.err());
    }
}
