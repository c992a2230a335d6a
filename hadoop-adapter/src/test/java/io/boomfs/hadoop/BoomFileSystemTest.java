package io.boomfs.hadoop;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.ContentSummary;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.StorageStatistics;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the contract tests do not check: chunk locations, content summaries, statistics,
 * attributes, the unsupported calls, and the two forms of authority (replicas, topology name).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BoomFileSystemTest {
    private static final Path DIR = new Path("/adapter");
    private static FileSystem fs;

    @BeforeAll
    static void start() throws IOException {
        fs = FileSystem.newInstance(URI.create(SharedCluster.uri()), SharedCluster.conf());
        fs.delete(DIR, true);
        fs.mkdirs(DIR);
    }

    @AfterAll
    static void stop() throws IOException {
        fs.delete(DIR, true);
        fs.close();
    }

    private static byte[] write(Path p, int length) throws IOException {
        byte[] data = new byte[length];
        new Random(length).nextBytes(data);
        try (FSDataOutputStream out = fs.create(p)) {
            out.write(data);
        }
        return data;
    }

    @Test
    void blockLocationsAreTheChunksWithTheirDatanodes() throws IOException {
        Path p = new Path(DIR, "chunks.bin");
        write(p, 200_000); // 64 KiB chunks: 3 full and one of 3,392 bytes
        FileStatus st = fs.getFileStatus(p);
        BlockLocation[] all = fs.getFileBlockLocations(st, 0, st.getLen());
        assertEquals(4, all.length);
        for (int i = 0; i < 4; i++) {
            assertEquals(i * 65536L, all[i].getOffset());
            assertEquals(i < 3 ? 65536 : 200_000 - 3 * 65536, all[i].getLength());
            assertEquals(List.of("127.0.0.1", "127.0.0.1", "127.0.0.1"), List.of(all[i].getHosts()), "three replicas");
            assertEquals(3, List.of(all[i].getNames()).stream().distinct().count(), "on three datanodes");
        }
        BlockLocation[] one = fs.getFileBlockLocations(st, 70_000, 10);
        assertEquals(1, one.length);
        assertEquals(65536, one[0].getOffset());
        assertEquals(0, fs.getFileBlockLocations(st, 300_000, 10).length, "past the end: none");
    }

    @Test
    void contentSummaryCountsFilesDirectoriesBytesAndReplicas() throws IOException {
        Path d = new Path(DIR, "summary");
        write(new Path(d, "a"), 1000);
        write(new Path(d, "sub/b"), 2000);
        fs.mkdirs(new Path(d, "sub/empty"));
        ContentSummary s = fs.getContentSummary(d);
        assertEquals(2, s.getFileCount());
        assertEquals(3, s.getDirectoryCount(), "summary, sub, sub/empty");
        assertEquals(3000, s.getLength());
        assertEquals(9000, s.getSpaceConsumed(), "three replicas of each byte");
    }

    @Test
    void statisticsCountBytesAndOps() throws IOException {
        StorageStatistics stats = fs.getStorageStatistics();
        long written = stats.getLong("bytesWritten");
        long read = stats.getLong("bytesRead");
        long writeOps = stats.getLong("writeOps");
        Path p = new Path(DIR, "stats.bin");
        byte[] data = write(p, 10_000);
        byte[] back = new byte[data.length];
        try (FSDataInputStream in = fs.open(p)) {
            in.readFully(0, back);
        }
        assertArrayEquals(data, back);
        assertEquals(written + 10_000, stats.getLong("bytesWritten"));
        assertEquals(read + 10_000, stats.getLong("bytesRead"));
        assertTrue(stats.getLong("writeOps") > writeOps);
    }

    @Test
    void attributesRoundTrip() throws IOException {
        Path p = new Path(DIR, "attrs.bin");
        write(p, 10);
        fs.setPermission(p, new FsPermission((short) 0600));
        fs.setOwner(p, "alice", null);
        // A file reports the later of its own time and its close: a time after the close is seen.
        long mtime = System.currentTimeMillis() + 86_400_000L;
        fs.setTimes(p, mtime, -1);
        assertTrue(fs.setReplication(p, (short) 2));
        FileStatus st = fs.getFileStatus(p);
        assertEquals((short) 0600, st.getPermission().toShort());
        assertEquals("alice", st.getOwner());
        assertEquals("supergroup", st.getGroup(), "no group set: fs.boomfs.group");
        // A group is kept with the owner (USER:GROUP); a null part keeps what the file has.
        fs.setOwner(p, null, "staff");
        assertEquals("alice", fs.getFileStatus(p).getOwner());
        assertEquals("staff", fs.getFileStatus(p).getGroup());
        fs.setOwner(p, "bob", null);
        assertEquals("bob", fs.getFileStatus(p).getOwner());
        assertEquals("staff", fs.getFileStatus(p).getGroup());
        assertEquals(mtime, st.getModificationTime());
        assertEquals(2, st.getReplication());
        assertFalse(fs.setReplication(DIR, (short) 2), "a directory has no replication");

        Path d = new Path(DIR, "private");
        fs.mkdirs(d, new FsPermission((short) 0700));
        assertEquals((short) 0700, fs.getFileStatus(d).getPermission().toShort());
    }

    @Test
    void renameFollowsHdfs() throws IOException {
        Path d = new Path(DIR, "rename");
        Path file = new Path(d, "f");
        Path other = new Path(d, "g");
        write(file, 10);
        write(other, 20);
        fs.mkdirs(new Path(d, "dir/sub"));
        assertFalse(fs.rename(file, other), "onto an existing file: false");
        assertEquals(20, fs.getFileStatus(other).getLen(), "the existing file stays");
        assertFalse(fs.rename(new Path(d, "missing"), new Path(d, "x")), "a missing source: false");
        assertFalse(fs.rename(file, new Path(d, "nodir/x")), "a missing parent is not made: false");
        assertTrue(fs.rename(file, file), "onto itself: true");
        assertTrue(fs.rename(file, d), "into the directory it is in: true, nothing changes");
        assertTrue(fs.rename(file, new Path(d, "dir")), "into an existing directory, under its own name");
        assertTrue(fs.getFileStatus(new Path(d, "dir/f")).isFile());
        assertFalse(fs.exists(file));
        assertThrows(IOException.class, () -> fs.rename(new Path(d, "dir"), new Path(d, "dir/sub/deeper")));
        assertThrows(IOException.class, () -> fs.rename(new Path(d, "dir"), new Path(d, "dir/sub")),
            "dir/sub exists: dir would go to dir/sub/dir, under itself");
        assertTrue(fs.rename(new Path(d, "dir"), new Path(d, "moved")));
        assertTrue(fs.getFileStatus(new Path(d, "moved/sub")).isDirectory());
    }

    @Test
    void unsupportedCallsSayWhich() throws IOException {
        Path p = new Path(DIR, "once.bin");
        write(p, 10);
        UnsupportedOperationException append = assertThrows(UnsupportedOperationException.class, () -> fs.append(p));
        assertTrue(append.getMessage().startsWith("append is not supported by BoomFS"), append.getMessage());
        UnsupportedOperationException concat = assertThrows(UnsupportedOperationException.class,
            () -> fs.concat(p, new Path[] {p}));
        assertTrue(concat.getMessage().startsWith("concat "), concat.getMessage());
        UnsupportedOperationException truncate = assertThrows(UnsupportedOperationException.class, () -> fs.truncate(p, 1));
        assertTrue(truncate.getMessage().startsWith("truncate "), truncate.getMessage());
    }

    @Test
    void aTopologyNameIsAnAuthority(@TempDir java.nio.file.Path tmp) throws IOException {
        List<String> replicas = SharedCluster.get().replicas();
        StringBuilder yaml = new StringBuilder("cluster: adapter\nchunkSize: 128K\nreplication: 2\ngroups:\n  - replicas:\n");
        for (int i = 0; i < replicas.size(); i++) {
            String[] hp = replicas.get(i).split(":");
            yaml.append("      - {id: m").append(i).append(", host: ").append(hp[0]).append(", port: ").append(hp[1])
                .append(", metricsPort: ").append(i + 1).append("}\n");
        }
        java.nio.file.Path file = tmp.resolve("adapter.yaml");
        Files.writeString(file, yaml);
        Configuration conf = SharedCluster.conf();
        conf.unset(AdapterConfig.BLOCK_SIZE);
        conf.set(AdapterConfig.TOPOLOGY_PREFIX + "adapter", file.toString());
        try (FileSystem named = FileSystem.newInstance(URI.create("boomfs://adapter/"), conf)) {
            assertEquals(128 * 1024, named.getDefaultBlockSize(DIR), "the topology's chunk size");
            assertEquals(2, named.getDefaultReplication(DIR), "the topology's replication");
            Path p = new Path("boomfs://adapter/adapter/named.bin");
            try (FSDataOutputStream out = named.create(p)) {
                out.write(new byte[] {1, 2, 3});
            }
            assertEquals(3, fs.getFileStatus(new Path(DIR, "named.bin")).getLen(), "the same cluster by its replicas");
        }
        IOException unknown = assertThrows(IOException.class, () -> FileSystem.newInstance(URI.create("boomfs://nope/"), conf));
        assertTrue(unknown.getMessage().contains("set fs.boomfs.topology.nope to its file"), unknown.getMessage());
        IOException bad = assertThrows(IOException.class,
            () -> FileSystem.newInstance(URI.create("boomfs://127.0.0.1:1,127.0.0.1:x/"), conf));
        assertTrue(bad.getMessage().contains("'127.0.0.1:x' is not HOST:PORT"), bad.getMessage());
    }
}
