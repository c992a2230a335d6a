package io.boomfs.datanode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.boomfs.datanode.TestData.BLOCK;
import static io.boomfs.datanode.TestData.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The chunk store on a real disk: sizes, ranges, atomic writes, recovery, corruption, capacity, paths. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChunkStoreTest {
    private static final long LARGE = 1L << 40;
    private final List<String> log = new ArrayList<>();

    private ChunkStore open(Path dir, long capacity) throws ChunkStoreException {
        return ChunkStore.open(dir, capacity, line -> {
            synchronized (log) {
                log.add(line);
            }
        });
    }

    private static List<String> files(Path dataDir) throws IOException {
        try (Stream<Path> s = Files.list(dataDir.resolve("chunks"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void everySizeRoundTripsAndIsListed(@TempDir Path dir) throws IOException {
        int[] sizes = {0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 5 * MIB + 123};
        try (ChunkStore store = open(dir, LARGE)) {
            long used = 0;
            for (int i = 0; i < sizes.length; i++) {
                byte[] data = TestData.bytes(i, sizes[i]);
                store.write(i, new ByteArrayInputStream(data), data.length);
                assertEquals(sizes[i], store.length(i));
                assertArrayEquals(data, TestData.readAll(store, i), "size " + sizes[i]);
                long fileSize = Files.size(TestData.chunkFile(dir, i));
                assertEquals(32 + sizes[i] + 4L * ((sizes[i] + BLOCK - 1) / BLOCK), fileSize, "size " + sizes[i]);
                used += fileSize;
            }
            assertEquals(used, store.usedBytes());
            assertEquals(0, store.reservedBytes());
            List<ChunkStore.ChunkInfo> listed = store.list();
            assertEquals(sizes.length, listed.size());
            for (int i = 0; i < sizes.length; i++) {
                assertEquals(new ChunkStore.ChunkInfo(i, sizes[i]), listed.get(i));
            }
        }
        // And again after a restart, found by listing the directory.
        try (ChunkStore store = open(dir, LARGE)) {
            assertEquals(sizes.length, store.list().size());
            assertArrayEquals(TestData.bytes(5, sizes[5]), TestData.readAll(store, 5));
            assertEquals(0, store.tempFilesRemoved());
        }
    }

    /**
     * A create whose header write fails (here: the thread is interrupted, so the channel closes)
     * gives its space back once: it was given back twice, and the reservation went negative,
     * which a later write could have used to pass the capacity (found by the datanode fuzz test
     * when its timeout interrupted it).
     */
    @Test
    void aCreateThatFailsToWriteItsHeaderGivesItsSpaceBackOnce(@TempDir Path dir) throws IOException {
        try (ChunkStore store = open(dir, ChunkFormat.fileBytes(100))) {
            Thread.currentThread().interrupt();
            ChunkStoreException e;
            try {
                e = assertThrows(ChunkStoreException.class, () -> store.create(1, 100));
            } finally {
                Thread.interrupted();
            }
            assertEquals("cannot create chunk 0000000000000001: ClosedByInterruptException", e.getMessage());
            assertEquals(0, store.reservedBytes());
            assertEquals(List.of(), files(dir));
            // The chunk can be written, and the capacity holds exactly one such chunk.
            store.write(1, new ByteArrayInputStream(new byte[100]), 100);
            assertThrows(ChunkStoreException.NoSpace.class, () -> store.create(2, 1));
        }
    }

    @Test
    void rangesAreCutAtBlockBoundariesAndAtTheEnd(@TempDir Path dir) throws IOException {
        byte[] data = TestData.bytes(7, 3 * BLOCK + 100);
        try (ChunkStore store = open(dir, LARGE)) {
            store.write(7, new ByteArrayInputStream(data), data.length);
            long[][] ranges = {{0, 1}, {BLOCK - 1, 2}, {BLOCK, BLOCK}, {100, 200_000}, {3 * BLOCK + 99, 1}, {data.length, 10},
                {10, 0}, {3 * BLOCK, Long.MAX_VALUE}};
            for (long[] r : ranges) {
                int from = (int) r[0];
                int to = (int) Math.min(data.length, r[0] + Math.min(r[1], data.length));
                assertArrayEquals(Arrays.copyOfRange(data, from, Math.max(from, to)), TestData.read(store, 7, r[0], r[1]),
                    "range " + r[0] + "+" + r[1]);
            }
            // Pieces never cross a block boundary, and each carries the CRC32C of its bytes.
            try (ChunkReader reader = store.open(7, 100, 2 * BLOCK)) {
                byte[] buf = new byte[BLOCK];
                List<Integer> pieces = new ArrayList<>();
                int n;
                while ((n = reader.next(buf)) > 0) {
                    pieces.add(n);
                    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
                    crc.update(buf, 0, n);
                    assertEquals((int) crc.getValue(), reader.crc());
                }
                assertEquals(List.of(BLOCK - 100, BLOCK, 100), pieces);
            }
            ChunkStoreException.OutOfRange e = assertThrows(ChunkStoreException.OutOfRange.class,
                () -> store.open(7, data.length + 1, 1));
            assertEquals("offset " + (data.length + 1) + " is past the end of chunk 0000000000000007 (" + data.length + " bytes)",
                e.getMessage());
            assertThrows(ChunkStoreException.NotFound.class, () -> store.open(8, 0, 1));
            assertThrows(ChunkStoreException.NotFound.class, () -> store.length(8));
        }
    }

    @Test
    void aWriteIsInvisibleUntilCommittedAndLeavesNothingWhenAbandoned(@TempDir Path dir) throws IOException {
        byte[] data = TestData.bytes(1, 2 * BLOCK + 5);
        try (ChunkStore store = open(dir, LARGE)) {
            ChunkWriter w = store.create(1, data.length);
            w.write(data, 0, BLOCK + 3);
            assertTrue(store.list().isEmpty());
            assertThrows(ChunkStoreException.NotFound.class, () -> store.length(1));
            assertThrows(ChunkStoreException.NotFound.class, () -> store.open(1, 0, 1));
            assertEquals(List.of("0000000000000001.1.tmp"), files(dir));
            assertEquals(ChunkFormat.fileBytes(data.length), store.reservedBytes());
            assertThrows(ChunkStoreException.Busy.class, () -> store.create(1, 10), "a second writer of the same chunk");
            assertThrows(IllegalStateException.class, w::prepare, "fewer bytes than declared");
            w.close();
            assertEquals(List.of(), files(dir));
            assertEquals(0, store.reservedBytes());
            assertEquals(0, store.usedBytes());

            try (ChunkWriter w2 = store.create(1, 10)) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> w2.write(new byte[11], 0, 11));
                assertEquals("chunk 0000000000000001 was declared 10 bytes long; 11 were written", e.getMessage());
            }
            // A stream that ends early keeps nothing either.
            EOFException e = assertThrows(EOFException.class, () -> store.write(2, new ByteArrayInputStream(data), data.length + 1));
            assertEquals("the data of chunk 0000000000000002 ended after " + data.length + " of " + (data.length + 1) + " bytes",
                e.getMessage());
            InputStream failing = new InputStream() {
                private int n;

                @Override
                public int read() throws IOException {
                    if (++n > 1000) {
                        throw new IOException("source failed");
                    }
                    return 1;
                }
            };
            assertThrows(IOException.class, () -> store.write(3, failing, 5000));
            assertEquals(List.of(), files(dir));
            assertTrue(store.list().isEmpty());
            assertEquals(0, store.reservedBytes());

            // Commit, and a rewrite replaces the chunk whole.
            store.write(1, new ByteArrayInputStream(data), data.length);
            byte[] other = TestData.bytes(2, 17);
            store.write(1, new ByteArrayInputStream(other), other.length);
            assertArrayEquals(other, TestData.readAll(store, 1));
            assertEquals(ChunkFormat.fileBytes(17), store.usedBytes());
            assertEquals(List.of("0000000000000001.chunk"), files(dir));
        }
    }

    @Test
    void aRestartDeletesTempFilesOfInterruptedWritesAndFindsTheChunks(@TempDir Path dir) throws IOException {
        byte[] data = TestData.bytes(3, BLOCK * 2);
        try (ChunkStore store = open(dir, LARGE)) {
            store.write(3, new ByteArrayInputStream(data), data.length);
            // A write in progress when the process dies: its temp file stays on disk.
            ChunkWriter w = store.create(4, BLOCK);
            w.write(data, 0, 1000);
        }
        Files.write(dir.resolve("chunks").resolve("0000000000000005.99.tmp"), new byte[100]);
        try (ChunkStore store = open(dir, LARGE)) {
            assertEquals(2, store.tempFilesRemoved());
            assertEquals(List.of("0000000000000003.chunk"), files(dir));
            assertEquals(List.of(new ChunkStore.ChunkInfo(3, data.length)), store.list());
            assertEquals(ChunkFormat.fileBytes(data.length), store.usedBytes());
            assertArrayEquals(data, TestData.readAll(store, 3));
        }
    }

    @Test
    void aCorruptBlockIsReportedWithItsOffsetCountedAndNeverServed(@TempDir Path dir) throws IOException {
        byte[] data = TestData.bytes(9, 3 * BLOCK + 10);
        try (ChunkStore store = open(dir, LARGE)) {
            store.write(9, new ByteArrayInputStream(data), data.length);
            // One byte in the second block's data.
            TestData.flipByte(TestData.chunkFile(dir, 9), 32 + BLOCK + 1234);
            List<byte[]> served = new ArrayList<>();
            ChunkStoreException.Corrupt e = assertThrows(ChunkStoreException.Corrupt.class, () -> {
                try (ChunkReader r = store.open(9, 0, data.length)) {
                    byte[] buf = new byte[BLOCK];
                    int n;
                    while ((n = r.next(buf)) > 0) {
                        served.add(Arrays.copyOf(buf, n));
                    }
                }
            });
            assertEquals(9, e.chunkId());
            assertEquals(BLOCK, e.offset());
            assertTrue(e.getMessage().startsWith("chunk 0000000000000009 is corrupt at offset 65536: checksum mismatch"), e.getMessage());
            assertEquals(1, served.size(), "only the first block, which is sound, was served");
            assertArrayEquals(Arrays.copyOf(data, BLOCK), served.get(0));
            assertEquals(1, store.corruptionsFound());
            assertEquals(Set.of(9L), store.corrupt());
            assertTrue(store.list().isEmpty(), "a corrupt replica is no longer reported");
            // A range that does not touch the bad block is still served; one inside it never.
            assertArrayEquals(Arrays.copyOfRange(data, 2 * BLOCK, data.length), TestData.read(store, 9, 2 * BLOCK, BLOCK + 10));
            assertThrows(ChunkStoreException.Corrupt.class, () -> TestData.read(store, 9, BLOCK + 2000, 1));
            assertThrows(ChunkStoreException.Corrupt.class, () -> store.verify(9));
            assertEquals(3, store.corruptionsFound());
            // A new copy replaces it and is reported again.
            store.write(9, new ByteArrayInputStream(data), data.length);
            store.verify(9);
            assertEquals(Set.of(), store.corrupt());
            assertEquals(1, store.list().size());
        }
    }

    @Test
    void aDamagedHeaderTrailerOrLengthIsCorruptionToo(@TempDir Path dir) throws IOException {
        byte[] data = TestData.bytes(4, 2 * BLOCK);
        try (ChunkStore store = open(dir, LARGE)) {
            for (long id = 1; id <= 4; id++) {
                store.write(id, new ByteArrayInputStream(data), data.length);
            }
            TestData.flipByte(TestData.chunkFile(dir, 1), 20); // the header's length field
            TestData.flipByte(TestData.chunkFile(dir, 2), 32 + data.length + 5); // the second block's CRC
            try (RandomAccessFile f = new RandomAccessFile(TestData.chunkFile(dir, 3).toFile(), "rw")) {
                f.setLength(f.length() - 1); // cut short
            }
            Files.copy(TestData.chunkFile(dir, 4), TestData.chunkFile(dir, 5)); // renamed by hand: it names chunk 4

            ChunkStoreException.Corrupt header = assertThrows(ChunkStoreException.Corrupt.class, () -> store.open(1, 0, 1));
            assertEquals(-1, header.offset());
            assertEquals("chunk 0000000000000001 is corrupt: the header fails its checksum", header.getMessage());
            ChunkStoreException.Corrupt trailer = assertThrows(ChunkStoreException.Corrupt.class, () -> store.verify(2));
            assertEquals(BLOCK, trailer.offset());
            assertArrayEquals(Arrays.copyOf(data, BLOCK), TestData.read(store, 2, 0, BLOCK));
            ChunkStoreException.Corrupt cut = assertThrows(ChunkStoreException.Corrupt.class, () -> store.open(3, 0, 1));
            assertTrue(cut.getMessage().contains("the file holds " + (ChunkFormat.fileBytes(data.length) - 1) + " bytes"), cut.getMessage());
        }
        // At a restart the headers are checked: the damaged files are found, kept on disk, not reported.
        try (ChunkStore store = open(dir, LARGE)) {
            assertEquals(List.of(new ChunkStore.ChunkInfo(2, data.length), new ChunkStore.ChunkInfo(4, data.length)), store.list());
            assertEquals(Set.of(1L, 3L, 5L), store.corrupt());
            assertEquals(3, store.corruptionsFound());
            assertEquals(5 * ChunkFormat.fileBytes(data.length) - 1, store.usedBytes(), "corrupt files still take space");
            assertTrue(log.stream().anyMatch(l -> l.equals("chunk 0000000000000005 is corrupt: the header names chunk 0000000000000004")),
                log.toString());
            assertTrue(store.delete(5));
            assertFalse(store.delete(5));
            assertEquals(Set.of(1L, 3L), store.corrupt());
        }
    }

    @Test
    void theListenerHearsEveryChangeOfTheSoundChunksInOrderWithTheDisk(@TempDir Path dir) throws IOException {
        try (ChunkStore store = open(dir, LARGE)) {
            store.write(9, new ByteArrayInputStream(new byte[5]), 5);
            List<String> heard = new ArrayList<>();
            store.listen((id, length, used, sound) -> heard.add(id + ":" + length + " used " + used + " sound " + sound));
            long f1 = ChunkFormat.fileBytes(1);
            long f5 = ChunkFormat.fileBytes(5);
            long f2 = ChunkFormat.fileBytes(2 * BLOCK);
            store.write(1, new ByteArrayInputStream(new byte[1]), 1);
            store.write(1, new ByteArrayInputStream(TestData.bytes(1, 2 * BLOCK)), 2 * BLOCK);
            try (ChunkWriter w = store.create(2, 3)) {
                w.write(new byte[3], 0, 3);
                // Closed without a commit: nothing changed.
            }
            TestData.flipByte(TestData.chunkFile(dir, 1), ChunkFormat.HEADER_BYTES + BLOCK + 1);
            assertThrows(ChunkStoreException.Corrupt.class, () -> store.verify(1));
            assertThrows(ChunkStoreException.Corrupt.class, () -> store.verify(1));
            assertTrue(store.delete(1), "a corrupt chunk is deleted without a second word");
            assertFalse(store.delete(1));
            assertTrue(store.delete(9));
            store.listen(null);
            store.write(3, new ByteArrayInputStream(new byte[1]), 1);
            assertEquals(List.of(
                "1:1 used " + (f5 + f1) + " sound 2",
                "1:" + 2 * BLOCK + " used " + (f5 + f2) + " sound 2",
                "1:-1 used " + (f5 + f2) + " sound 1",
                "9:-1 used 0 sound 0"), heard);
            assertEquals(1, store.soundChunks());
        }
    }

    @Test
    void aWritePastTheCapacityFailsAndLeavesNothing(@TempDir Path dir) throws IOException {
        long capacity = ChunkFormat.fileBytes(100_000) + ChunkFormat.fileBytes(10);
        try (ChunkStore store = open(dir, capacity)) {
            byte[] data = TestData.bytes(1, 100_000);
            store.write(1, new ByteArrayInputStream(data), data.length);
            ChunkWriter open = store.create(2, 10);
            ChunkStoreException.NoSpace e = assertThrows(ChunkStoreException.NoSpace.class,
                () -> store.write(3, new ByteArrayInputStream(new byte[1]), 1));
            assertEquals("no space for chunk 0000000000000003: it needs 37 bytes, " + ChunkFormat.fileBytes(100_000) + " are used and "
                + ChunkFormat.fileBytes(10) + " reserved of a capacity of " + capacity, e.getMessage());
            open.close();
            assertThrows(ChunkStoreException.NoSpace.class, () -> store.create(3, 11));
            assertEquals(List.of("0000000000000001.chunk"), files(dir));
            assertEquals(0, store.reservedBytes());
            assertEquals(ChunkFormat.fileBytes(100_000), store.usedBytes());
            // Deleting frees the space.
            assertTrue(store.delete(1));
            assertEquals(0, store.usedBytes());
            store.write(3, new ByteArrayInputStream(data), data.length);
        }
    }

    @Test
    void noChunkIdReachesOutsideTheDataDirectory(@TempDir Path dir) throws IOException {
        Path outside = Files.writeString(dir.resolve("secret"), "not a chunk");
        Path dataDir = dir.resolve("data");
        try (ChunkStore store = open(dataDir, LARGE)) {
            for (long id : new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE, 0x2e2e2f2e2e2fL}) {
                store.write(id, new ByteArrayInputStream(new byte[] {1, 2, 3}), 3);
                Path p = store.pathOf(id);
                assertEquals(store.dir(), p.getParent());
                assertTrue(p.getFileName().toString().matches("[0-9a-f]{16}\\.chunk"), p.toString());
                assertTrue(Files.isRegularFile(p));
            }
            assertEquals("ffffffffffffffff.chunk", ChunkFormat.fileName(-1));
            assertEquals("8000000000000000.chunk", ChunkFormat.fileName(Long.MIN_VALUE));
        }
        // Only names of exactly the chunk shape are chunks.
        for (String bad : new String[] {"../0000000000000001.chunk", "0000000000000001.chunk/..", "000000000000001.chunk",
            "00000000000000001.chunk", "000000000000000G.chunk", "000000000000000A.chunk", "0000000000000001.chunk.bak", ".chunk",
            "/etc/passwd", "..", ""}) {
            assertNull(ChunkFormat.parseFileName(bad), bad);
        }
        assertEquals(-1L, ChunkFormat.parseFileName("ffffffffffffffff.chunk"));
        // A symbolic link or a directory with a chunk's name is not a chunk, neither at a start nor later.
        Path chunks = dataDir.resolve("chunks");
        Files.createSymbolicLink(chunks.resolve("0000000000000010.chunk"), outside);
        Files.createDirectory(chunks.resolve("0000000000000011.chunk"));
        Files.writeString(chunks.resolve("notes.txt"), "an operator's file");
        try (ChunkStore store = open(dataDir, LARGE)) {
            assertEquals(5, store.list().size());
            assertThrows(ChunkStoreException.NotFound.class, () -> store.open(0x10, 0, 1));
            assertThrows(ChunkStoreException.NotFound.class, () -> store.open(0x11, 0, 1));
            assertTrue(log.stream().anyMatch(l -> l.contains("0000000000000010.chunk: not a regular file")), log.toString());
            assertTrue(log.stream().anyMatch(l -> l.contains("notes.txt: not a chunk file")), log.toString());
            // A link put in place of a chunk while the store runs is not followed either.
            Files.delete(store.pathOf(0));
            Files.createSymbolicLink(store.pathOf(0), outside);
            assertThrows(ChunkStoreException.class, () -> store.open(0, 0, 1));
        }
        assertEquals("not a chunk", Files.readString(outside));
    }

    @Test
    void aDataDirectoryIsUsedByOneStoreAndMustBeUsable(@TempDir Path dir) throws IOException {
        try (ChunkStore store = open(dir, LARGE)) {
            ChunkStoreException e = assertThrows(ChunkStoreException.class, () -> open(dir, LARGE));
            assertEquals("cannot use data directory " + dir + ": another datanode has it open", e.getMessage());
            assertEquals(0, store.list().size());
        }
        open(dir, LARGE).close();
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        ChunkStoreException e = assertThrows(ChunkStoreException.class, () -> open(file, LARGE));
        assertTrue(e.getMessage().startsWith("cannot use data directory " + file + ": "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        assertThrows(IllegalArgumentException.class, () -> open(dir.resolve("d"), 0));
    }
}
