package io.boomfs.client;

import io.boomfs.client.FileMeta.Commit;
import io.boomfs.client.FileMeta.Placement;
import io.boomfs.client.MetaClient.FsException;
import io.boomfs.datanode.DataClient;
import io.boomfs.datanode.DataTransferException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The bytes of a file being written, a chunk at a time (metadata-shard/DESIGN.md, "Files, chunks
 * and write leases"). The data-transfer protocol announces a chunk's length before its first
 * byte (DATANODE.md, "The protocol"), so this stream holds one chunk in memory until it is full
 * (or the stream closes): up to the file's chunk size (64 MiB by default), grown as bytes come
 * so that a small file costs little. A full chunk is placed with {@code add_chunk}, which also
 * commits the length of the chunk before it, and written through its pipeline; {@link #close}
 * writes the last one and {@code complete}s the file with its length.
 *
 * <p>A pipeline that fails (a {@link DataTransferException} naming the datanode) is given up:
 * {@code add_chunk} again with the chunk abandoned and that datanode excluded, and the chunk's
 * bytes written to the new pipeline; after {@code attempts} pipelines the write fails with an
 * IOException saying what each one said. A failed stream stays failed: its file is left open
 * until its lease runs out. {@link #flush} sends nothing (a chunk goes whole). Metadata errors
 * are {@link FsException}s with the shard's code. Not thread-safe.
 */
public final class BoomOutputStream extends OutputStream {
    /** How often, and how long each time, a writer waits for datanodes the shard does not know yet. */
    private static final int NO_DATANODES_WAITS = 10;
    private static final long NO_DATANODES_WAIT_MS = 300;
    private static final int FIRST_BUFFER = 64 * 1024;
    private final FileMeta meta;
    private final DataClient data;
    private final String path;
    private final long fileId;
    private final String holder;
    private final int chunkSize;
    private final int attempts;
    private final Runnable onClose;
    private final List<String> exclude = new ArrayList<>();
    private byte[] buffer;
    private int count;
    private long chunks;
    private long abandoned;
    private Commit last;
    private boolean failed;
    private boolean closed;
    private boolean released;

    /**
     * A stream into the open file {@code fileId} at {@code path}, held by {@code holder};
     * {@code onClose} runs once when it closes or fails (the lease renewal lets the file go).
     */
    BoomOutputStream(FileMeta meta, DataClient data, String path, long fileId, String holder, int chunkSize, int attempts,
                     Runnable onClose) {
        if (chunkSize < 1 || attempts < 1) {
            throw new IllegalArgumentException("a chunk size and attempts of at least 1, not " + chunkSize + " and " + attempts);
        }
        this.meta = meta;
        this.data = data;
        this.path = path;
        this.fileId = fileId;
        this.holder = holder;
        this.chunkSize = chunkSize;
        this.attempts = attempts;
        this.onClose = onClose;
        this.buffer = new byte[Math.min(chunkSize, FIRST_BUFFER)];
    }

    /** The file's id. */
    public long fileId() {
        return fileId;
    }

    /** Pipelines given up so far (each failed with a datanode excluded from then on). */
    public long abandoned() {
        return abandoned;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        checkOpen();
        while (len > 0) {
            if (count == buffer.length) {
                buffer = Arrays.copyOf(buffer, (int) Math.min(chunkSize, 2L * buffer.length));
            }
            int n = Math.min(len, buffer.length - count);
            System.arraycopy(b, off, buffer, count, n);
            count += n;
            off += n;
            len -= n;
            if (count == chunkSize) {
                sendChunk();
            }
        }
    }

    private void checkOpen() throws IOException {
        if (closed || failed) {
            throw new IOException(path + ": the stream is " + (failed ? "broken by an earlier failure" : "closed"));
        }
    }

    /** Places the buffered chunk and writes it, through new pipelines while they fail. */
    private void sendChunk() throws IOException {
        Long abandon = null;
        List<String> said = new ArrayList<>();
        try {
            int waits = 0;
            for (int attempt = 1; attempt <= attempts; attempt++) {
                Placement p;
                try {
                    p = meta.addChunk(fileId, holder, last, abandon, exclude);
                } catch (FsException e) {
                    // A shard leader that just restarted knows no datanode until their next
                    // heartbeat (about a second): wait for it, a few times, before giving up.
                    if (!e.code().equals("NO_DATANODES") || ++waits > NO_DATANODES_WAITS) {
                        throw e;
                    }
                    sleep(NO_DATANODES_WAIT_MS);
                    attempt--;
                    continue;
                }
                try {
                    data.write(p.targets(), p.chunkId(), new ByteArrayInputStream(buffer, 0, count), count, p.token());
                    last = new Commit(p.chunkId(), count);
                    chunks++;
                    count = 0;
                    return;
                } catch (DataTransferException e) {
                    said.add("pipeline " + String.join(",", p.targets()) + ": " + e.getMessage());
                    abandon = p.chunkId();
                    abandoned++;
                    exclude.add(e.datanode());
                }
            }
        } catch (FsException e) {
            fail();
            if (!e.code().equals("NO_DATANODES") || said.isEmpty()) {
                throw e;
            }
            said.add(e.getMessage());
        } catch (IOException | RuntimeException e) {
            fail();
            throw e;
        }
        fail();
        throw new IOException(path + ": chunk " + chunks + " could not be written (" + said.size() + " attempts): "
            + String.join("; ", said));
    }

    private static void sleep(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for datanodes", e);
        }
    }

    private void fail() {
        failed = true;
        release();
    }

    private void release() {
        if (!released) {
            released = true;
            onClose.run();
        }
    }

    /**
     * Gives the file up: nothing more is written and it is not completed, so it stays open under
     * this client's lease until the lease runs out (then the shard's {@code recover} closes it
     * with its committed chunks). For a writer whose source failed midway: closing would
     * complete the file with part of the data.
     */
    public void abort() {
        closed = true;
        fail();
    }

    /** Sends nothing: a chunk is sent when it is full or the stream closes. */
    @Override
    public void flush() {
    }

    /** Writes the last chunk and closes the file. A stream that failed only lets its file go. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (failed) {
            return;
        }
        try {
            if (count > 0) {
                sendChunk();
            }
            meta.complete(fileId, holder, last, System.currentTimeMillis());
        } catch (IOException | RuntimeException e) {
            fail();
            throw e;
        }
        release();
    }
}
