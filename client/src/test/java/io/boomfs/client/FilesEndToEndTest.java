package io.boomfs.client;

import io.boomfs.datanode.DataClient;
import io.boomfs.datanode.DatanodeProcess;
import io.boomfs.paxos.ReplicaProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 6's end-to-end check on real processes (three metadata replicas, four datanodes): 200 MiB
 * in files of mixed sizes around a 1 MiB chunk (0 B, 1 B, chunk-1, chunk, chunk+1, many chunks),
 * a datanode killed with SIGKILL a third of the way and the shard leader two thirds of the way.
 * Every file whose close returned reads back byte for byte, and once the shard declared the dead
 * datanode dead, re-replication brings every chunk back to three live copies.
 * {@code -De2e.mib=N} changes the volume.
 */
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class FilesEndToEndTest {
    private static final int CHUNK = 1 << 20;

    /** The content of file {@code i}: a seeded stream, regenerated to check it. */
    private static final class Content extends InputStream {
        private final SplittableRandom rnd;
        private long left;

        Content(long seed, long length) {
            this.rnd = new SplittableRandom(seed);
            this.left = length;
        }

        @Override
        public int read() {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) rnd.nextInt(256);
            }
            left -= n;
            return n;
        }
    }

    @Test
    void twoHundredMibWithADatanodeAndTheLeaderKilled(@TempDir Path dir) throws Exception {
        long total = Long.getLong("e2e.mib", 200) << 20;
        List<Long> sizes = new ArrayList<>(List.of(0L, 1L, CHUNK - 1L, (long) CHUNK, CHUNK + 1L, 9L * CHUNK + 17));
        SplittableRandom rnd = new SplittableRandom(42);
        long sum = sizes.stream().mapToLong(Long::longValue).sum();
        while (sum < total) {
            long s = Math.min(total - sum, rnd.nextInt(3) == 0 ? rnd.nextLong(1, 64) : rnd.nextLong(1, 6L * CHUNK));
            sizes.add(s);
            sum += s;
        }
        Map<String, Long> settings = Map.of("sm.dn_dead_ms", 4_000L, "sm.copy_timeout_ms", 10_000L);
        try (LocalCluster cluster = LocalCluster.start(dir, settings, 4);
             BoomFileSystem fs = cluster.client("e2e", BoomFileSystem.Config.defaults().withMetaTimeoutMs(30_000)
                 .withData(new DataClient.Config(2_000, 10_000)))) {
            try {
                fs.mkdirs("/e2e");
                List<String> acked = new ArrayList<>();
                long written = 0;
                boolean dnKilled = false;
                boolean leaderKilled = false;
                long start = System.nanoTime();
                for (int i = 0; i < sizes.size(); i++) {
                    if (!dnKilled && written > total / 3) {
                        DatanodeProcess victim = cluster.datanodes().get(1);
                        victim.kill9();
                        dnKilled = true;
                        System.out.printf("e2e: SIGKILL datanode %s after %d MiB%n", victim.address(), written >> 20);
                    }
                    if (!leaderKilled && written > 2 * total / 3) {
                        ReplicaProcess leader = cluster.metas().stream().filter(p -> p.role().startsWith("leader"))
                            .findFirst().orElseThrow(() -> new AssertionError("no replica says it leads"));
                        leader.kill9();
                        leaderKilled = true;
                        System.out.printf("e2e: SIGKILL shard leader %s after %d MiB%n", leader.address(), written >> 20);
                    }
                    String path = "/e2e/f" + i;
                    try (BoomOutputStream out = fs.create(path, false, 3, CHUNK)) {
                        new Content(i, sizes.get(i)).transferTo(out);
                    }
                    acked.add(path);
                    written += sizes.get(i);
                }
                double secs = (System.nanoTime() - start) / 1e9;
                System.out.printf("e2e: wrote %d files, %d MiB in %.1f s (%.1f MiB/s)%n", acked.size(), written >> 20, secs,
                    written / 1048576.0 / secs);
                assertTrue(dnKilled && leaderKilled);

                long t = System.nanoTime();
                for (int i = 0; i < acked.size(); i++) {
                    assertEquals(sizes.get(i), fs.stat(acked.get(i)).size(), acked.get(i));
                    try (InputStream in = fs.open(acked.get(i)); InputStream want = new Content(i, sizes.get(i))) {
                        assertSame(acked.get(i), want, in);
                    }
                }
                System.out.printf("e2e: read back %d files byte for byte in %.1f s%n", acked.size(), (System.nanoTime() - t) / 1e9);

                // Re-replication: the dead datanode's chunks get a third live copy.
                String dead = cluster.datanodes().get(1).address();
                long deadline = System.currentTimeMillis() + 180_000;
                int under;
                do {
                    under = underReplicated(fs, acked, dead);
                    if (under > 0) {
                        Thread.sleep(1_000);
                    }
                } while (under > 0 && System.currentTimeMillis() < deadline);
                assertEquals(0, under, "chunks with fewer than 3 live copies");
                System.out.printf("e2e: every chunk has 3 live copies again %.1f s after the kill%n",
                    (System.nanoTime() - t) / 1e9);
            } catch (AssertionError | Exception e) {
                fail(e + "\n" + cluster.dump(), e);
            }
        }
    }

    private static void assertSame(String what, InputStream want, InputStream got) throws IOException {
        byte[] a = new byte[65536];
        byte[] b = new byte[65536];
        long at = 0;
        while (true) {
            int n = want.readNBytes(a, 0, a.length);
            int m = got.readNBytes(b, 0, n == 0 ? 1 : n);
            if (n == 0) {
                assertEquals(0, m, what + ": longer than written");
                return;
            }
            assertEquals(n, m, what + ": ends early at " + at);
            for (int k = 0; k < n; k++) {
                if (a[k] != b[k]) {
                    fail(what + ": byte " + (at + k) + " differs");
                }
            }
            at += n;
        }
    }

    /** Chunks of the files with fewer than 3 locations, or with a location on the dead datanode. */
    private static int underReplicated(BoomFileSystem fs, List<String> files, String deadDataAddr) {
        int under = 0;
        for (String f : files) {
            for (FileMeta.Chunk c : fs.chunks(f)) {
                if (c.locations().size() < 3 || c.locations().contains(deadDataAddr)) {
                    under++;
                }
            }
        }
        return under;
    }
}
