package io.boomfs.deploy.up;

import io.boomfs.deploy.Cli;
import io.boomfs.deploy.status.Scrape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code boom up} as a process on a topology of free loopback ports: 3 replicas and 2 datanodes
 * come up with a leader, {@code boom status --json} and {@code boom fs} work against them, a
 * SIGKILLed leader is reported, restarted and replaced, and SIGTERM leaves no process and no
 * media driver directory behind.
 */
class UpCommandTest {
    private static final Pattern READY = Pattern.compile(" (\\w+) ready \\(pid (\\d+),");
    private static final Pattern RESTARTED = Pattern.compile(" (\\w+) restarted \\(pid (\\d+),");

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void upStatusFsKillRestartAndStop(@TempDir Path dir) throws Exception {
        Path t = BoomProcess.topology(dir, 3, 2);
        try (BoomProcess up = BoomProcess.start(dir, "up", t.toString(), "--restart")) {
            up.await(l -> l.contains("up; Ctrl-C stops every node"), 90_000);
            String out = up.output();
            assertTrue(out.contains("waiting for a leader in group g1..."), out);
            assertTrue(Pattern.compile("group g1: leader m\\d \\(ballot \\d+\\) after \\d+ ms").matcher(out).find(), out);
            assertTrue(Pattern.compile("m\\d +127\\.0\\.0\\.1:\\d+ +leader ").matcher(out).find(), "the status table: " + out);
            Map<String, Long> pids = pids(READY, out);
            assertEquals(List.of("dn1", "dn2", "m1", "m2", "m3"), pids.keySet().stream().sorted().toList());
            for (String id : pids.keySet()) {
                assertTrue(Files.size(dir.resolve("logs").resolve(id + ".log")) > 0, id + "'s log");
            }

            String first = statusLeader(dir, t);
            Path local = dir.resolve("hello.txt");
            Files.writeString(local, "hello, boom up\n");
            Cli.Result put = Cli.run(dir, "fs", "--topology", t.toString(), "put", "--replication", "2", "hello.txt", "/hello.txt");
            assertEquals(0, put.code(), put::toString);
            Cli.Result cat = Cli.run(dir, "fs", "--topology", t.toString(), "cat", "/hello.txt");
            assertEquals("hello, boom up\n", cat.out(), cat::toString);
            metricsServeTheCounters(t, first);
            admin(dir, t, first);
            String leader = transfer(dir, t, up, first);

            ProcessHandle.of(pids.get(leader)).orElseThrow().destroyForcibly();
            up.await(l -> l.contains(" " + leader + " died (pid " + pids.get(leader) + ", exit code 137"), 20_000);
            up.await(l -> l.contains(" " + leader + " restarted (pid "), 20_000);
            up.await(l -> Pattern.compile("group g1: leader .* -> m\\d \\(ballot").matcher(l).find(), 30_000);
            Map<String, Long> all = new java.util.HashMap<>(pids);
            all.putAll(pids(RESTARTED, up.output()));
            assertFalse(BoomProcess.aeronDirOf(pids.get(leader)), "the killed leader's media driver directory was removed");

            assertEquals(143, up.terminate(30_000), () -> "the JVM's code for SIGTERM after a clean shutdown\n" + up.output());
            assertTrue(up.output().contains(" stopped"), up::output);
            List<Long> pidsAlive = new ArrayList<>();
            for (long pid : all.values()) {
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    pidsAlive.add(pid);
                }
                assertFalse(BoomProcess.aeronDirOf(pid), "a media driver directory of pid " + pid + " was left behind");
            }
            assertEquals(List.of(), pidsAlive, "children left running");
        }
    }

    /** {@code boom status --json} parses, and names the leader; returns it. */
    private static String statusLeader(Path dir, Path t) {
        Cli.Result status = Cli.run(dir, "status", "--topology", t.toString(), "--json");
        assertEquals(0, status.code(), status::toString);
        Map<String, Object> json = new Yaml(new SafeConstructor(new LoaderOptions())).load(status.out());
        assertEquals("t", json.get("cluster"));
        @SuppressWarnings("unchecked")
        Map<String, Object> g1 = ((List<Map<String, Object>>) json.get("groups")).get(0);
        String leader = (String) g1.get("leader");
        assertNotNull(leader, status.out());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> replicas = (List<Map<String, Object>>) g1.get("replicas");
        assertEquals(1, replicas.stream().filter(r -> r.get("role").equals("leader") && r.get("id").equals(leader)).count(), status.out());
        assertEquals(2, ((List<?>) json.get("datanodes")).size());
        return leader;
    }

    /** The leader's endpoint counts the ops it applied; a datanode's, its chunk. */
    private static void metricsServeTheCounters(Path t, String leader) throws Exception {
        String yaml = Files.readString(t);
        Matcher m = Pattern.compile("id: " + leader + ", host: 127.0.0.1, port: \\d+, metricsPort: (\\d+)").matcher(yaml);
        assertTrue(m.find());
        Scrape s = Scrape.of("127.0.0.1:" + m.group(1), 5000);
        assertTrue(s.up(), s.failure());
        assertEquals(1, s.value("boom_paxos_is_leader", -1));
        assertTrue(s.value("boom_steps_total", 0) > 0);
        assertEquals(1, (long) s.sample("boom_ops_applied_total", "op", "create", "result", "ok").orElseThrow().value());
        assertTrue(s.value("boom_paxos_applied_index", 0) >= 3, "create, add_chunk, complete applied");
        assertEquals(2, s.sample("boom_meta_rows", "table", "dn_live").orElseThrow().value());
    }

    /** {@code boom admin partitions} shows the initial map with the leader; {@code snapshot g1} is written by each replica. */
    private static void admin(Path dir, Path t, String leader) {
        Cli.Result partitions = Cli.run(dir, "admin", "--topology", t.toString(), "partitions");
        assertEquals(0, partitions.code(), partitions::toString);
        assertTrue(Pattern.compile("(?m)^0-255 +g1 +" + leader + " +256 +\\d+ +1 +1 +1$").matcher(partitions.out()).find(),
            partitions::toString);
        Cli.Result snapshot = Cli.run(dir, "admin", "--topology", t.toString(), "snapshot", "g1");
        assertEquals(0, snapshot.code(), snapshot::toString);
        assertEquals(3, snapshot.out().lines().filter(l -> l.matches("m\\d: snapshot written by 127\\.0\\.0\\.1:\\d+")).count(),
            snapshot::toString);
        Cli.Result none = Cli.run(dir, "admin", "--topology", t.toString(), "snapshot", "g9");
        assertEquals("boom: error: no group g9 in " + t + "; its groups are g1\n", none.err());
    }

    /** {@code boom admin transfer-leader} hands the leadership to another replica, and {@code up} reports it; returns the new leader. */
    private static String transfer(Path dir, Path t, BoomProcess up, String leader) {
        Cli.Result self = Cli.run(dir, "admin", "--topology", t.toString(), "transfer-leader", "g1", "--to", leader);
        assertEquals("boom: error: " + leader + " leads group g1 already\n", self.err());
        String target = leader.equals("m1") ? "m2" : "m1";
        Cli.Result r = Cli.run(dir, "admin", "--topology", t.toString(), "transfer-leader", "g1", "--to", target);
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("group g1: leader " + leader + " -> " + target + " (ballot "), r::toString);
        // up sees the old leader step down first ("m1 -> (none)", then "(none) -> m2") or both in one watch round.
        up.await(l -> l.contains("group g1: leader ") && l.contains(" -> " + target + " (ballot "), 10_000);
        return target;
    }

    private static Map<String, Long> pids(Pattern p, String out) {
        Map<String, Long> pids = new java.util.TreeMap<>();
        Matcher m = p.matcher(out);
        while (m.find()) {
            pids.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return pids;
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void onlyTheNodesOfThisHostStart(@TempDir Path dir) throws Exception {
        Path t = BoomProcess.topology(dir, 3, 0);
        // 192.0.2.1 (TEST-NET-1, RFC 5737) is no address of this machine: m3 runs elsewhere, and m1 and m2 are a majority.
        Files.writeString(t, Files.readString(t).replaceFirst("id: m3, host: 127.0.0.1", "id: m3, host: 192.0.2.1"));
        try (BoomProcess up = BoomProcess.start(dir, "up", t.toString())) {
            up.await(l -> l.contains("up; Ctrl-C stops every node"), 60_000);
            String out = up.output();
            assertTrue(out.contains("starting 2 of its 3 nodes on this host"), out);
            assertTrue(out.contains("the cluster runs without membership auth: anyone who reaches its ports can join, vote and report"),
                out);
            assertTrue(out.contains("group g1 has replicas on other hosts: its leader changes are not followed here"), out);
            assertTrue(Pattern.compile("group g1: leader m[12] \\(ballot \\d+\\)").matcher(out).find(), out);
            assertTrue(Pattern.compile("m3 +192\\.0\\.2\\.1:\\d+ +down ").matcher(out).find(), "m3 is down in the status: " + out);
            assertEquals(143, up.terminate(30_000), up::output);
        }
    }

    @Test
    void aPortInUseIsOneLineBeforeAnythingStarts(@TempDir Path dir) throws Exception {
        Path t = BoomProcess.topology(dir, 3, 0);
        Matcher m = Pattern.compile("id: m2, host: 127.0.0.1, port: (\\d+)").matcher(Files.readString(t));
        assertTrue(m.find());
        int port = Integer.parseInt(m.group(1));
        try (DatagramSocket taken = new DatagramSocket(port, InetAddress.getLoopbackAddress())) {
            Cli.Result r = Cli.run(dir, "up", t.toString());
            assertEquals(1, r.code(), r::toString);
            assertTrue(r.err().startsWith("boom: error: m2: port 127.0.0.1:" + port + " cannot be used ("), r::toString);
            assertEquals(1, r.err().lines().count(), r::toString);
            assertFalse(Files.exists(dir.resolve("logs").resolve("m1.log")), "nothing started");
            assertEquals(port, taken.getLocalPort());
        }
    }

    @Test
    void statusOfAClusterThatIsNotUpNamesTheAddressesTried(@TempDir Path dir) throws Exception {
        Path t = BoomProcess.topology(dir, 1, 0);
        Cli.Result r = Cli.run(dir, "status", "--topology", t.toString());
        assertEquals(1, r.code(), r::toString);
        Matcher m = Pattern.compile("metricsPort: (\\d+)").matcher(Files.readString(t));
        assertTrue(m.find());
        assertTrue(r.err().startsWith("boom: error: cannot reach cluster t (" + t + "): no node answered at 127.0.0.1:" + m.group(1)),
            r::toString);
    }
}
