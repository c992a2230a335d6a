package io.boomfs.datanode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Writes one chunk of a length fixed up front, front to back, into a temp file; computes the
 * block checksums as the bytes pass. {@link #prepare()} makes the temp file durable,
 * {@link #commit()} renames it into place (and makes the rename durable). Closing a writer that
 * has not committed deletes the temp file and frees the reserved space: whatever fails, a
 * partial chunk never becomes visible. Not thread-safe: one transfer owns it.
 */
public final class ChunkWriter implements AutoCloseable {
    private final ChunkStore store;
    private final long chunkId;
    private final long length;
    private final long fileBytes;
    private final Path temp;
    private final FileChannel channel;
    private final ByteBuffer trailer;
    private final CRC32C blockCrc = new CRC32C();
    private int inBlock;
    private long written;
    private boolean prepared;
    private boolean committed;
    private boolean closed;

    ChunkWriter(ChunkStore store, long chunkId, long length, Path temp) throws IOException {
        this.store = store;
        this.chunkId = chunkId;
        this.length = length;
        this.fileBytes = ChunkFormat.fileBytes(length);
        this.temp = temp;
        this.trailer = ByteBuffer.allocate(Math.toIntExact(ChunkFormat.CRC_BYTES * ChunkFormat.blocks(length)));
        this.channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        try {
            writeFully(ChunkFormat.header(chunkId, length));
        } catch (IOException e) {
            // The space and the chunk's writing mark are ChunkStore.create's to give back when
            // this throws: releasing them here too counted the reservation back twice.
            closed = true;
            discardTemp();
            throw e;
        }
    }

    public long chunkId() {
        return chunkId;
    }

    public long length() {
        return length;
    }

    /** Bytes written so far. */
    public long written() {
        return written;
    }

    /**
     * Appends {@code len} bytes of the chunk.
     *
     * @throws ChunkStoreException.NoSpace the disk filled up (the writer is then closed)
     * @throws IllegalStateException       more bytes than the declared length, or after prepare
     */
    public void write(byte[] b, int off, int len) throws ChunkStoreException {
        if (prepared || closed) {
            throw new IllegalStateException("chunk " + ChunkFormat.hex(chunkId) + " is no longer open for writing");
        }
        if (len > length - written) {
            throw new IllegalStateException("chunk " + ChunkFormat.hex(chunkId) + " was declared " + length
                + " bytes long; " + (written + len) + " were written");
        }
        try {
            writeFully(ByteBuffer.wrap(b, off, len));
        } catch (IOException e) {
            throw failed("write", e);
        }
        int at = off;
        int left = len;
        while (left > 0) {
            int n = Math.min(left, ChunkFormat.BLOCK_BYTES - inBlock);
            blockCrc.update(b, at, n);
            inBlock += n;
            at += n;
            left -= n;
            if (inBlock == ChunkFormat.BLOCK_BYTES) {
                endBlock();
            }
        }
        written += len;
        if (written == length && inBlock > 0) {
            endBlock();
        }
    }

    private void endBlock() {
        trailer.putInt((int) blockCrc.getValue());
        blockCrc.reset();
        inBlock = 0;
    }

    /**
     * Writes the checksums and forces the temp file to disk: after this the chunk survives a
     * crash once committed, and a commit only renames. A pipeline prepares on every datanode
     * at once, then commits from the last one back.
     *
     * @throws IllegalStateException fewer bytes than the declared length were written
     */
    public void prepare() throws ChunkStoreException {
        if (prepared) {
            return;
        }
        if (closed || written != length) {
            throw new IllegalStateException("chunk " + ChunkFormat.hex(chunkId) + " has " + written + " of its " + length
                + " bytes" + (closed ? " and was closed" : ""));
        }
        try {
            writeFully(trailer.flip());
            channel.force(true);
        } catch (IOException e) {
            throw failed("write", e);
        }
        prepared = true;
    }

    /** Prepares if needed, then makes the chunk visible, replacing any older copy. */
    public void commit() throws ChunkStoreException {
        prepare();
        Path target = store.pathOf(chunkId);
        try {
            channel.close();
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            committed = true;
            ChunkStore.forceDirectory(temp.getParent());
        } catch (IOException e) {
            if (committed) {
                // Renamed, but the rename may not be durable yet: the chunk is visible and whole,
                // and a crash can at worst lose it, as if the write had failed.
                store.committed(chunkId, length, fileBytes);
                close();
            }
            throw failed("commit", e);
        }
        store.committed(chunkId, length, fileBytes);
        close();
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    private ChunkStoreException failed(String what, IOException e) {
        abort();
        String reason = ChunkStore.describe(e);
        if (reason.contains("No space left")) {
            return new ChunkStoreException.NoSpace("no space for chunk " + ChunkFormat.hex(chunkId) + ": the disk is full ("
                + reason + ")");
        }
        return new ChunkStoreException("cannot " + what + " chunk " + ChunkFormat.hex(chunkId) + ": " + reason, e);
    }

    private void abort() {
        if (closed) {
            return;
        }
        closed = true;
        if (committed) {
            try {
                channel.close();
            } catch (IOException e) {
                // Committed: the file is in place whatever the close says.
            }
        } else {
            discardTemp();
            store.release(fileBytes);
        }
        store.writerClosed(chunkId);
    }

    /** Closes and deletes the temp file. */
    private void discardTemp() {
        try {
            channel.close();
        } catch (IOException e) {
            // The temp file is deleted below, or at the next start.
        }
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            // Left for the next start, which deletes every temp file.
        }
    }

    /** Discards the chunk unless it was committed. */
    @Override
    public void close() {
        abort();
    }
}
