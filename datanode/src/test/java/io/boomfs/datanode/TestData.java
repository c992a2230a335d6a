package io.boomfs.datanode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Test data and disk helpers shared by the datanode tests. */
final class TestData {
    static final int BLOCK = ChunkFormat.BLOCK_BYTES;
    static final int MIB = 1 << 20;

    private TestData() {
    }

    /** {@code n} pseudo-random bytes from {@code seed}: every chunk's bytes differ. */
    static byte[] bytes(long seed, int n) {
        byte[] b = new byte[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i += 8) {
            long v = r.nextLong();
            for (int j = 0; j < 8 && i + j < n; j++) {
                b[i + j] = (byte) (v >>> (8 * j));
            }
        }
        return b;
    }

    /** Reads the range through the store's verified reader. */
    static byte[] read(ChunkStore store, long chunkId, long offset, long length) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ChunkReader r = store.open(chunkId, offset, length)) {
            byte[] buf = new byte[BLOCK];
            int n;
            while ((n = r.next(buf)) > 0) {
                out.write(buf, 0, n);
            }
        }
        return out.toByteArray();
    }

    static byte[] readAll(ChunkStore store, long chunkId) throws IOException {
        return read(store, chunkId, 0, Long.MAX_VALUE);
    }

    /** Flips every bit of the byte at {@code position} of the file. */
    static void flipByte(Path file, long position) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(position);
            int b = f.read();
            f.seek(position);
            f.write(~b & 0xff);
        }
    }

    /** The names of the files in {@code dir}, sorted. */
    static java.util.List<String> files(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The file of a chunk in a datanode's data directory. */
    static Path chunkFile(Path dataDir, long chunkId) {
        return dataDir.resolve("chunks").resolve(ChunkFormat.fileName(chunkId));
    }
}
