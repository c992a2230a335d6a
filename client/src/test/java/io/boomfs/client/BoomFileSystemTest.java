package io.boomfs.client;

import io.boomfs.client.MetaClient.FsException;
import io.boomfs.datanode.DataClient;
import io.boomfs.datanode.DatanodeProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The file system over real processes: three metadata shard replicas and four datanodes that
 * heartbeat to them ({@link LocalCluster}), a shard write lease of 3 s. Files of every size
 * around the chunk size round trip byte for byte, seeks land right, the lease renewal keeps a
 * writer's lease, and with a datanode killed (still "live" to the shard for 10 s) reads go past
 * it and writes abandon pipelines through it.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BoomFileSystemTest {
    private static final int CHUNK = 64 * 1024;
    private static final long SHARD_LEASE_MS = 3_000;
    private LocalCluster cluster;
    private BoomFileSystem fs;
    private final Map<String, byte[]> written = new LinkedHashMap<>();

    @BeforeAll
    void start(@TempDir Path dir) {
        cluster = LocalCluster.start(dir, Map.of("sm.lease_ms", SHARD_LEASE_MS), 4);
        fs = cluster.client("alice", config());
    }

    private static BoomFileSystem.Config config() {
        // Renewals every second; short datanode timeouts so a dead one is passed quickly.
        return BoomFileSystem.Config.defaults().withMetaTimeoutMs(20_000).withLeaseMs(SHARD_LEASE_MS)
            .withData(new DataClient.Config(2_000, 5_000));
    }

    @AfterAll
    void stop() {
        if (fs != null) {
            fs.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private AssertionError failure(Throwable e) {
        return new AssertionError(e.getMessage() + "\n" + cluster.dump(), e);
    }

    /** Writes a new file; returns the pipelines its writer abandoned. */
    private long put(String path, byte[] content, int chunk) throws IOException {
        BoomOutputStream out = fs.create(path, false, 3, chunk);
        // Odd-sized writes, so chunk boundaries fall inside them.
        for (int at = 0; at < content.length; at += 10_007) {
            out.write(content, at, Math.min(10_007, content.length - at));
        }
        out.close();
        written.put(path, content);
        return out.abandoned();
    }

    private byte[] get(String path) throws IOException {
        try (InputStream in = fs.open(path)) {
            return in.readAllBytes();
        }
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    @Order(1)
    void filesOfEverySizeRoundTrip() {
        try {
            fs.mkdirs("/data");
            int[] sizes = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 20 * CHUNK + 100};
            for (int size : sizes) {
                put("/data/f" + size, bytes(size, size), CHUNK);
            }
            put("/data/big", bytes(5 * (1 << 20) + 3, 99), 1 << 20);
            for (Map.Entry<String, byte[]> e : written.entrySet()) {
                assertEquals(e.getValue().length, fs.stat(e.getKey()).size(), e.getKey());
                assertArrayEquals(e.getValue(), get(e.getKey()), e.getKey());
            }
            // Every chunk of the many-chunk file is on three datanodes, as the shard tells it.
            FileMeta.OpenPage page = fileMeta().open("/data/f" + (20 * CHUNK + 100), 0, 1000);
            assertEquals(21, page.chunks().size());
            assertEquals("closed", page.state());
            for (FileMeta.Chunk c : page.chunks()) {
                assertEquals(3, c.locations().size(), c.toString());
            }
        } catch (IOException | RuntimeException e) {
            throw failure(e);
        }
    }

    private MetaClient fileMeta() {
        return MetaClient.open(cluster.replicas(), "alice", 20_000);
    }

    @Test
    @Order(2)
    void seeksLandOnTheRightByte() throws IOException {
        byte[] content = written.get("/data/f" + (20 * CHUNK + 100));
        Random r = new Random(5);
        try (BoomInputStream in = fs.open("/data/f" + (20 * CHUNK + 100))) {
            for (int i = 0; i < 40; i++) {
                int at = r.nextInt(content.length + 1);
                int n = r.nextInt(2 * CHUNK);
                in.seek(at);
                assertArrayEquals(Arrays.copyOfRange(content, at, Math.min(content.length, at + n)), in.readNBytes(n), "at " + at);
            }
        }
    }

    @Test
    @Order(3)
    void theNamespaceAndAttributesThroughTheFileSystem() throws IOException {
        fs.mkdirs("/ns/a/b");
        put("/ns/a/one", bytes(1000, 1), CHUNK);
        put("/ns/a/b/two", bytes(CHUNK + 5, 2), CHUNK);
        assertEquals(new BoomFileSystem.Usage(2, 3, 1000 + CHUNK + 5), fs.du("/ns"));
        assertEquals(new BoomFileSystem.Usage(1, 0, 1000), fs.du("/ns/a/one"));
        // A file's stat shows the later of its mtime and when it was closed: set one after that.
        long mtime = fs.stat("/ns/a/one").mtimeMs() + 86_400_000L;
        fs.setattr("/ns/a/one", 0600L, "bob", mtime, 2L);
        MetaClient.Stat s = fs.stat("/ns/a/one");
        assertEquals(List.of(0600L, "bob", mtime, 2L, 1000L), List.of(s.mode(), s.owner(), s.mtimeMs(), s.replication(), s.size()));
        fs.rename("/ns/a", "/ns/c");
        assertArrayEquals(bytes(CHUNK + 5, 2), get("/ns/c/b/two"));
        List<String> names = new ArrayList<>();
        fs.list("/ns/c").forEachRemaining(e -> names.add(e.name() + (e.isDir() ? "/" : "")));
        assertEquals(List.of("b/", "one"), names);
        assertEquals("EXISTS", assertThrows(FsException.class, () -> fs.create("/ns/c/one", false)).code());
        assertEquals("NOT_EMPTY", assertThrows(FsException.class, () -> fs.delete("/ns/c", false)).code());
        fs.delete("/ns", true);
        assertEquals("NOT_FOUND", assertThrows(FsException.class, () -> fs.open("/ns/c/one")).code());
    }

    @Test
    @Order(4)
    void theRenewalKeepsAWritersLeasePastTheShardsLeaseTime() throws IOException {
        try (BoomFileSystem other = cluster.client("bob", config())) {
            BoomOutputStream out = fs.create("/leased", false, 3, CHUNK);
            out.write(bytes(CHUNK + 1, 3)); // one chunk sent, one byte held
            long before = fs.leaseRenewals();
            LocalCluster.sleep(3 * SHARD_LEASE_MS);
            assertTrue(fs.leaseRenewals() >= before + 3, "renewed " + (fs.leaseRenewals() - before) + " times");
            assertEquals("LEASE_HELD", assertThrows(FsException.class, () -> other.create("/leased", true)).code());
            out.close();
            assertArrayEquals(bytes(CHUNK + 1, 3), get("/leased"));
            // A writer that stops renewing loses the file to another client once the lease is over.
            try (MetaClient quiet = fileMeta()) {
                quiet.create("/abandoned", false);
                LocalCluster.sleep(2 * SHARD_LEASE_MS);
                other.create("/abandoned", true).close();
                assertEquals(0, other.stat("/abandoned").size());
            }
        }
    }

    @Test
    @Order(5)
    void withADatanodeKilledReadsGoPastItAndWritesAbandonItsPipelines() throws IOException {
        // The shard still counts it live for dn_dead_ms (10 s): its locations and placements name it.
        DatanodeProcess victim = cluster.datanodes().get(0);
        victim.kill9();
        try {
            for (Map.Entry<String, byte[]> e : written.entrySet()) {
                if (e.getKey().startsWith("/data/")) {
                    assertArrayEquals(e.getValue(), get(e.getKey()), e.getKey());
                }
            }
            // Placements spread by a hash: 13 chunks on 3 of 4 datanodes all missing the victim is a (1/4)^13 chance.
            byte[] after = bytes(12 * CHUNK + 9, 12);
            long abandoned = put("/data/after-kill", after, CHUNK);
            assertEquals(1, abandoned, "the first pipeline through the dead datanode is given up, and it is excluded after");
            assertArrayEquals(after, get("/data/after-kill"));
        } catch (IOException | RuntimeException e) {
            throw failure(e);
        }
    }
}
