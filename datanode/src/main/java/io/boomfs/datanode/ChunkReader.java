package io.boomfs.datanode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A verified read of a range of one chunk, in pieces that never cross a 64 KiB block boundary.
 * Each block is read whole and checked against its stored CRC32C before any of its bytes is
 * returned, so a corrupt block is never served. {@link #crc()} is the CRC32C of the piece just
 * returned: for a whole block the stored one (the checksum written when the data arrived
 * travels on to the reader untouched), for a part of a block one computed over the part after
 * the whole block passed. Not thread-safe.
 */
public final class ChunkReader implements AutoCloseable {
    private final ChunkStore store;
    private final long chunkId;
    private final FileChannel channel;
    private final long chunkLength;
    private final long end;
    private final long firstBlock;
    private final ByteBuffer crcs;
    private final CRC32C crc = new CRC32C();
    private final byte[] block = new byte[ChunkFormat.BLOCK_BYTES];
    private long position;
    private int pieceCrc;

    private ChunkReader(ChunkStore store, long chunkId, FileChannel channel, long chunkLength, long offset, long end,
                        ByteBuffer crcs) {
        this.store = store;
        this.chunkId = chunkId;
        this.channel = channel;
        this.chunkLength = chunkLength;
        this.position = offset;
        this.end = end;
        this.firstBlock = offset / ChunkFormat.BLOCK_BYTES;
        this.crcs = crcs;
    }

    static ChunkReader open(ChunkStore store, long chunkId, Path path, long offset, long length) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        try {
            long chunkLength;
            try {
                chunkLength = ChunkStore.readHeader(ch, chunkId);
            } catch (ChunkStoreException.Corrupt e) {
                store.corruptionFound(e);
                throw e;
            }
            if (offset > chunkLength) {
                throw new ChunkStoreException.OutOfRange("offset " + offset + " is past the end of chunk "
                    + ChunkFormat.hex(chunkId) + " (" + chunkLength + " bytes)");
            }
            long end = offset + Math.min(length, chunkLength - offset);
            long first = offset / ChunkFormat.BLOCK_BYTES;
            long last = end == offset ? first : (end - 1) / ChunkFormat.BLOCK_BYTES + 1;
            // The stored checksums of exactly the blocks this read covers (4 bytes per 64 KiB).
            ByteBuffer crcs = ByteBuffer.allocate(Math.toIntExact((last - first) * ChunkFormat.CRC_BYTES));
            long at = ChunkFormat.HEADER_BYTES + chunkLength + first * ChunkFormat.CRC_BYTES;
            while (crcs.hasRemaining()) {
                if (ch.read(crcs, at + crcs.position()) < 0) {
                    throw corrupt(store, chunkId, -1, "the checksum trailer ends early");
                }
            }
            return new ChunkReader(store, chunkId, ch, chunkLength, offset, end, crcs.flip());
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    public long chunkId() {
        return chunkId;
    }

    /** The length of the whole chunk. */
    public long chunkLength() {
        return chunkLength;
    }

    /** Bytes of the range not returned yet. */
    public long remaining() {
        return end - position;
    }

    /**
     * Reads the next piece of the range into {@code dst} (at least 64 KiB long) from index 0.
     *
     * @return the piece's length, 0 at the end of the range
     * @throws ChunkStoreException.Corrupt the piece's block fails its checksum (nothing of it is returned)
     */
    public int next(byte[] dst) throws ChunkStoreException {
        if (position == end) {
            return 0;
        }
        long index = position / ChunkFormat.BLOCK_BYTES;
        long blockStart = index * ChunkFormat.BLOCK_BYTES;
        int blockLength = ChunkFormat.blockLength(chunkLength, index);
        readBlock(blockStart, blockLength);
        crc.reset();
        crc.update(block, 0, blockLength);
        int stored = crcs.getInt(Math.toIntExact((index - firstBlock) * ChunkFormat.CRC_BYTES));
        if ((int) crc.getValue() != stored) {
            throw corrupt(store, chunkId, blockStart, "checksum mismatch (stored " + Integer.toHexString(stored) + ", computed "
                + Integer.toHexString((int) crc.getValue()) + ")");
        }
        int from = (int) (position - blockStart);
        int to = (int) Math.min(blockLength, end - blockStart);
        System.arraycopy(block, from, dst, 0, to - from);
        if (from == 0 && to == blockLength) {
            pieceCrc = stored;
        } else {
            crc.reset();
            crc.update(dst, 0, to - from);
            pieceCrc = (int) crc.getValue();
        }
        position += to - from;
        return to - from;
    }

    private void readBlock(long blockStart, int blockLength) throws ChunkStoreException {
        ByteBuffer b = ByteBuffer.wrap(block, 0, blockLength);
        long at = ChunkFormat.HEADER_BYTES + blockStart;
        try {
            while (b.hasRemaining()) {
                if (channel.read(b, at + b.position()) < 0) {
                    throw corrupt(store, chunkId, blockStart, "the file ends inside the block");
                }
            }
        } catch (ChunkStoreException e) {
            throw e;
        } catch (IOException e) {
            throw new ChunkStoreException("cannot read chunk " + ChunkFormat.hex(chunkId) + " at offset " + blockStart + ": "
                + ChunkStore.describe(e), e);
        }
    }

    /**
     * The rest of the range as a stream of verified bytes: what a copy sends on. A corrupt
     * block ends it with {@link ChunkStoreException.Corrupt} before any of its bytes. Closing
     * the stream closes this reader.
     */
    public InputStream asInputStream() {
        return new InputStream() {
            private final byte[] piece = new byte[ChunkFormat.BLOCK_BYTES];
            private int pos;
            private int limit;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                java.util.Objects.checkFromIndexSize(off, len, b.length);
                if (len == 0) {
                    return 0;
                }
                if (pos == limit) {
                    limit = next(piece);
                    pos = 0;
                    if (limit == 0) {
                        return -1;
                    }
                }
                int n = Math.min(len, limit - pos);
                System.arraycopy(piece, pos, b, off, n);
                pos += n;
                return n;
            }

            @Override
            public void close() {
                ChunkReader.this.close();
            }
        };
    }

    /** The CRC32C of the piece the last {@link #next} returned. */
    public int crc() {
        return pieceCrc;
    }

    private static ChunkStoreException.Corrupt corrupt(ChunkStore store, long chunkId, long offset, String detail) {
        ChunkStoreException.Corrupt e = new ChunkStoreException.Corrupt(chunkId, offset, detail);
        store.corruptionFound(e);
        return e;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // A read-only channel: nothing is lost.
        }
    }
}
