package io.boomfs.deploy.up;

import io.boomfs.deploy.Cli;
import io.boomfs.deploy.status.Scrape;
import io.boomfs.deploy.topology.Topology;
import io.boomfs.deploy.topology.TopologyLoader;
import io.boomfs.engine.runtime.Pause;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two shard groups as processes ({@code boom up} of 2 groups of 3 replicas and a datanode):
 * {@code boom fs} works across them (directories placed in either group, a file written and read
 * back, renames across shards, a directory that may not move under itself), and
 * {@code boom admin map} / {@code move-vpart} move a vpart that holds a file while the namespace
 * stays the same.
 */
class TwoShardsTest {
    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void filesAcrossShardsAndAVpartMove(@TempDir Path dir) throws Exception {
        Path t = BoomProcess.topology(dir, 2, 3, 1);
        try (BoomProcess up = BoomProcess.start(dir, "up", t.toString())) {
            up.await(l -> l.contains("up; Ctrl-C stops every node"), 120_000);
            Files.writeString(dir.resolve("hello.txt"), "hello, two shards\n");
            ok(dir, "fs", "--topology", t.toString(), "mkdir", "-p", "/a/b/c", "/x", "/y");
            ok(dir, "fs", "--topology", t.toString(), "put", "--replication", "1", "hello.txt", "/a/b/c/hello.txt");
            ok(dir, "fs", "--topology", t.toString(), "mv", "/a/b", "/x/b2");
            ok(dir, "fs", "--topology", t.toString(), "mv", "/x/b2/c/hello.txt", "/y/moved.txt");
            assertEquals("hello, two shards\n", ok(dir, "fs", "--topology", t.toString(), "cat", "/y/moved.txt"));
            Cli.Result under = Cli.run(dir, "fs", "--topology", t.toString(), "mv", "/x", "/x/b2/inner");
            assertEquals(1, under.code(), under::toString);
            assertTrue(under.err().contains("cannot move under itself"), under::toString);
            String tree = ok(dir, "fs", "--topology", t.toString(), "ls", "-R", "/");
            for (String p : new String[] {"/a", "/x", "/y", "/x/b2", "/x/b2/c", "/y/moved.txt"}) {
                assertTrue(tree.contains(" " + p + "\n"), p + " in " + tree);
            }
            assertTrue(!tree.contains(" /a/b\n"), tree);

            String map = ok(dir, "admin", "--topology", t.toString(), "map", "--vparts");
            assertTrue(map.contains("epoch 0, 256 vparts over 2 group(s)"), map);
            // The vpart of /y (holding moved.txt): the one with a file.
            Matcher m = Pattern.compile("(?m)^(\\d+) +(\\d) +\\d+ +1 +18$").matcher(map);
            assertTrue(m.find(), map);
            long v = Long.parseLong(m.group(1));
            int to = 1 - Integer.parseInt(m.group(2));
            // The file's one chunk is reported to the group owning its vpart only (three replicas each).
            awaitChunkReports(t, 1 - to, 3, to, 0);
            String moved = ok(dir, "admin", "--topology", t.toString(), "move-vpart", Long.toString(v), "--to", Integer.toString(to));
            assertTrue(moved.contains("vpart " + v + " moved from group " + (1 - to) + " to group " + to), moved);
            map = ok(dir, "admin", "--topology", t.toString(), "map", "--vparts");
            assertTrue(map.contains("epoch 1,"), map);
            assertTrue(Pattern.compile("(?m)^" + v + " +" + to + " +\\d+ +1 +18$").matcher(map).find(), map);
            // The datanode heard of the move and reports the chunk to the new owner; the old one forgot it.
            awaitChunkReports(t, to, 3, 1 - to, 0);
            assertEquals("hello, two shards\n", ok(dir, "fs", "--topology", t.toString(), "cat", "/y/moved.txt"));
            assertEquals(tree, ok(dir, "fs", "--topology", t.toString(), "ls", "-R", "/"), "the namespace after the move");
            ok(dir, "fs", "--topology", t.toString(), "rm", "-r", "/x");
            assertTrue(!ok(dir, "fs", "--topology", t.toString(), "ls", "-R", "/").contains("/x"));
            assertEquals(143, up.terminate(30_000), up::output);
        }
    }

    /**
     * Waits (10 s at most) until the replicas of group {@code g} (0-based, topology order) hold
     * {@code n} chunk reports ({@code hb_chunk} rows, from /metrics) in all, and those of
     * {@code other} hold {@code none}.
     */
    private static void awaitChunkReports(Path t, int g, long n, int other, long none) {
        List<Topology.Group> groups = TopologyLoader.load(t).groups();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            long mine = reports(groups.get(g));
            long theirs = reports(groups.get(other));
            if (mine == n && theirs == none) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "chunk reports never settled: group " + g + " holds " + mine
                + ", group " + other + " holds " + theirs);
            Pause.millis(200);
        }
    }

    /** The hb_chunk rows of a group's replicas, all told. */
    private static long reports(Topology.Group group) {
        long sum = 0;
        for (Topology.Replica r : group.replicas()) {
            sum += (long) (double) Scrape.of(r.host() + ":" + r.metricsPort(), 5000).sample("boom_meta_rows", "table", "hb_chunk")
                .map(Scrape.Sample::value).orElse(0.0);
        }
        return sum;
    }

    private static String ok(Path dir, String... args) {
        Cli.Result r = Cli.run(dir, args);
        assertEquals(0, r.code(), r::toString);
        return r.out();
    }
}
