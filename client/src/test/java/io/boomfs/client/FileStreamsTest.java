package io.boomfs.client;

import io.boomfs.datanode.ChunkStore;
import io.boomfs.datanode.DataClient;
import io.boomfs.datanode.DataServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The write and read streams against four real datanodes (servers and chunk stores in this JVM,
 * real sockets and disks) with the shard's file ops stood in for by {@link FileMetaModel}: round
 * trips of every size around the chunk size, seeks, pipelines that fail mid-file, and reads
 * that fall back past dead datanodes and corrupt replicas. The same streams over the real shard
 * are in {@link BoomFileSystemTest}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FileStreamsTest {
    private static final int CHUNK = 64 * 1024;
    @TempDir
    Path dir;
    private final List<DataServer> servers = new ArrayList<>();
    private FileMetaModel meta;
    private DataClient data;

    @BeforeEach
    void start() throws IOException {
        for (int i = 0; i < 4; i++) {
            ChunkStore store = ChunkStore.open(dir.resolve("dn" + i), 1L << 30, line -> { });
            servers.add(DataServer.start(DataServer.Config.of("dn" + i, "127.0.0.1", 0).withTimeouts(2_000, 5_000, 5_000), store,
                line -> { }));
        }
        meta = new FileMetaModel(servers.stream().map(DataServer::address).toList());
        data = new DataClient(new DataClient.Config(2_000, 5_000));
    }

    @AfterEach
    void stop() {
        data.close();
        for (DataServer s : servers) {
            s.close();
            s.store().close();
        }
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Writes {@code content} to a new file in writes of {@code piece} bytes; counts the stream's releases. */
    private void write(String path, byte[] content, int chunk, int piece, AtomicInteger released) throws IOException {
        long id = meta.create(path, 3, chunk, "me");
        try (OutputStream out = new BoomOutputStream(meta, data, path, id, "me", chunk, 3, released::incrementAndGet)) {
            for (int at = 0; at < content.length; at += piece) {
                out.write(content, at, Math.min(piece, content.length - at));
            }
        }
    }

    private BoomInputStream open(String path, long pageChunks) {
        return new BoomInputStream(meta, data, path, pageChunks);
    }

    @Test
    void everySizeAroundTheChunkSizeRoundTrips() throws IOException {
        int[] sizes = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 7 * CHUNK + 17, 3 * CHUNK};
        for (int size : sizes) {
            String path = "/f" + size;
            byte[] content = bytes(size, size);
            AtomicInteger released = new AtomicInteger();
            write(path, content, CHUNK, 10_000, released);
            assertEquals(1, released.get(), "the lease renewal let the file go once");
            try (BoomInputStream in = open(path, 3)) {
                assertEquals(size, in.length());
                assertArrayEquals(content, in.readAllBytes(), "size " + size);
                assertEquals(-1, in.read());
            }
        }
        // A chunk is placed only when it has bytes: exactly ceil(size / chunk) chunks, each add_chunk
        // committing the one before, complete committing the last.
        List<String> ops = meta.log.stream().filter(l -> !l.startsWith("open")).toList();
        assertEquals(List.of("complete commit=null", // 0 bytes: no chunk at all
            "add_chunk commit=null abandon=false exclude=[]", "complete commit=1",
            "add_chunk commit=null abandon=false exclude=[]", "complete commit=" + (CHUNK - 1),
            "add_chunk commit=null abandon=false exclude=[]", "complete commit=" + CHUNK,
            "add_chunk commit=null abandon=false exclude=[]", "add_chunk commit=" + CHUNK + " abandon=false exclude=[]",
            "complete commit=1"), ops.subList(0, 10));
    }

    @Test
    void seeksLandOnTheRightByteAcrossChunksAndPages() throws IOException {
        byte[] content = bytes(9 * CHUNK + 333, 7);
        write("/s", content, CHUNK, 4096, new AtomicInteger());
        Random r = new Random(11);
        try (BoomInputStream in = open("/s", 2)) {
            for (int i = 0; i < 60; i++) {
                int at = r.nextInt(content.length + 1);
                int n = r.nextInt(3 * CHUNK);
                in.seek(at);
                assertEquals(at, in.position());
                byte[] got = in.readNBytes(n);
                assertArrayEquals(Arrays.copyOfRange(content, at, Math.min(content.length, at + n)), got, "at " + at + " n " + n);
            }
            in.seek(content.length);
            assertEquals(-1, in.read());
            in.seek(CHUNK - 1); // the last byte of a chunk, then the first of the next
            assertEquals(content[CHUNK - 1] & 0xff, in.read());
            assertEquals(content[CHUNK] & 0xff, in.read());
            assertThrows(EOFException.class, () -> in.seek(content.length + 1));
            assertThrows(EOFException.class, () -> in.seek(-1));
        }
    }

    @Test
    void aFailedPipelineIsAbandonedAndTheChunkRewrittenWithoutTheBlamedDatanode() throws IOException {
        // dn2 stops: every pipeline through it fails, naming it, and it is left out from then on.
        String dead = servers.get(1).address();
        servers.get(1).close();
        byte[] content = bytes(5 * CHUNK + 5, 3);
        write("/p", content, CHUNK, 50_000, new AtomicInteger());
        List<String> adds = meta.log.stream().filter(l -> l.startsWith("add_chunk")).toList();
        assertEquals(List.of("add_chunk commit=null abandon=true exclude=[" + dead + "]"),
            adds.stream().filter(l -> l.contains("abandon=true")).toList(), "one failure, then never again: " + adds);
        assertTrue(adds.subList(2, adds.size()).stream().allMatch(l -> l.endsWith("exclude=[" + dead + "]")), adds.toString());
        for (int i = 0; i < 6; i++) {
            assertFalse(meta.targets("/p", i).contains(dead), "chunk " + i + " on " + meta.targets("/p", i));
        }
        try (InputStream in = open("/p", 10)) {
            assertArrayEquals(content, in.readAllBytes());
        }
    }

    @Test
    void aWriteGivesUpAfterItsAttemptsWithWhatEachPipelineSaid() {
        for (int i = 0; i < 4; i++) {
            servers.get(i).close();
        }
        AtomicInteger released = new AtomicInteger();
        long id = meta.create("/x", 1, CHUNK, "me");
        BoomOutputStream out = new BoomOutputStream(meta, data, "/x", id, "me", CHUNK, 3, released::incrementAndGet);
        IOException e = assertThrows(IOException.class, () -> out.write(new byte[CHUNK]));
        assertTrue(e.getMessage().startsWith("/x: chunk 0 could not be written (3 attempts): pipeline "), e.getMessage());
        assertEquals(4, e.getMessage().split("pipeline ", -1).length, "three pipelines tried: " + e.getMessage());
        assertEquals(1, released.get());
        IOException again = assertThrows(IOException.class, () -> out.write(1));
        assertEquals("/x: the stream is broken by an earlier failure", again.getMessage());
    }

    @Test
    void readsGoOnFromTheNextLocationWhenADatanodeIsDownOrAReplicaIsCorrupt() throws IOException {
        byte[] content = bytes(4 * CHUNK, 5);
        write("/r", content, CHUNK, CHUNK, new AtomicInteger());
        // Chunk 0: its first location is down. Chunk 1: its first replica has a flipped byte.
        String firstOf0 = meta.targets("/r", 0).get(0);
        String firstOf1 = meta.targets("/r", 1).get(0);
        if (firstOf1.equals(firstOf0)) {
            throw new IllegalStateException("the model rotates pipelines");
        }
        flipByte(firstOf1, meta.chunkId("/r", 1), 1000);
        server(firstOf0).close();
        try (InputStream in = open("/r", 10)) {
            assertArrayEquals(content, in.readAllBytes());
        }
        assertEquals(1, server(firstOf1).store().corruptionsFound(), "the corrupt replica was read, and left");
    }

    @Test
    void whenEveryLocationFailsTheErrorNamesTheChunkAndEachLocation() throws IOException {
        byte[] content = bytes(CHUNK + 10, 9);
        write("/e", content, CHUNK, CHUNK, new AtomicInteger());
        List<String> locations = meta.targets("/e", 1);
        for (String l : locations) {
            server(l).close();
        }
        try (BoomInputStream in = open("/e", 10)) {
            assertArrayEquals(Arrays.copyOf(content, CHUNK), in.readNBytes(CHUNK), "chunk 0 still reads");
            IOException e = assertThrows(IOException.class, in::read);
            String m = e.getMessage();
            assertTrue(m.startsWith("/e: chunk " + String.format("%016x", meta.chunkId("/e", 1)) + " (index 1) could not be read: "), m);
            for (String l : locations) {
                assertTrue(m.contains("datanode " + l + ": "), m);
            }
        }
    }

    private DataServer server(String address) {
        return servers.stream().filter(s -> s.address().equals(address)).findFirst().orElseThrow();
    }

    /** Flips one data byte of a chunk's file on the datanode at {@code address}. */
    private void flipByte(String address, long chunkId, long offset) throws IOException {
        int i = servers.indexOf(server(address));
        Path file = dir.resolve("dn" + i).resolve("chunks").resolve(String.format("%016x", chunkId) + ".chunk");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(32 + offset);
            int b = f.read();
            f.seek(32 + offset);
            f.write(b ^ 0x5a);
        }
    }
}
