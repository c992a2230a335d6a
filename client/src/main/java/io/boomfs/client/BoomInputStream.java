package io.boomfs.client;

import io.boomfs.client.FileMeta.Chunk;
import io.boomfs.client.FileMeta.OpenPage;
import io.boomfs.datanode.DataClient;
import io.boomfs.datanode.DataClient.ChunkInputStream;
import io.boomfs.datanode.DataTransferException;
import io.boomfs.datanode.ErrorCode;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The bytes of a file, streamed from its datanodes a chunk at a time, with {@link #seek}. The
 * chunks and their locations come from the shard's {@code open}, a page at a time as the reader
 * gets to them. A chunk is read from its locations in turn: a datanode that cannot be reached,
 * fails, or has a corrupt or short replica is left for the next one, from the byte where it
 * stopped (every byte returned has passed its checksum); when every location failed, the read
 * throws an IOException naming the chunk and what each location said. Locations that failed
 * once are tried last for the rest of the stream.
 *
 * <p>The file's length is what {@code open} said: a file still being written reads up to its
 * last committed chunk. Not thread-safe.
 */
public final class BoomInputStream extends InputStream {
    private final FileMeta meta;
    private final DataClient data;
    private final String path;
    private final long pageChunks;
    private final long fileId;
    private final long length;
    private final List<Chunk> chunks = new ArrayList<>();
    private final List<Long> starts = new ArrayList<>();
    private final Set<String> failedLocations = new HashSet<>();
    private boolean more;
    private long pos;
    private ChunkInputStream current;
    private String currentLocation;
    private boolean closed;

    /** Opens {@code path}, fetching chunk locations {@code pageChunks} at a time. */
    BoomInputStream(FileMeta meta, DataClient data, String path, long pageChunks) {
        this.meta = meta;
        this.data = data;
        this.path = path;
        this.pageChunks = pageChunks;
        OpenPage first = meta.open(path, 0, pageChunks);
        this.fileId = first.fileId();
        this.length = first.size();
        add(first);
    }

    /** Keeps a page's chunks up to the first without a committed length (the writer's current one). */
    private void add(OpenPage page) {
        more = page.more() && !page.chunks().isEmpty();
        for (Chunk c : page.chunks()) {
            if (c.idx() != chunks.size()) {
                throw new MetaClient.FsException("PROTOCOL", path + ": the shard gave chunk index " + c.idx() + " where "
                    + chunks.size() + " was next");
            }
            if (c.length() < 0) {
                more = false;
                return;
            }
            starts.add(chunks.isEmpty() ? 0 : starts.get(starts.size() - 1) + chunks.get(chunks.size() - 1).length());
            chunks.add(c);
        }
    }

    public long fileId() {
        return fileId;
    }

    /** The file's length when it was opened. */
    public long length() {
        return length;
    }

    /** Where the next byte is read from. */
    public long position() {
        return pos;
    }

    /**
     * Moves to {@code position} (0 to the length; at the length, reads return -1).
     *
     * @throws EOFException a position outside the file
     */
    public void seek(long position) throws IOException {
        checkOpen();
        if (position < 0 || position > length) {
            throw new EOFException(path + ": cannot seek to " + position + ": the file has " + length + " bytes");
        }
        if (position != pos) {
            dropCurrent();
            pos = position;
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        checkOpen();
        if (len == 0) {
            return 0;
        }
        if (pos >= length) {
            return -1;
        }
        int idx = chunkAt(pos);
        if (idx < 0) {
            return -1; // a file being written: its chunks without a committed length are not readable yet
        }
        Chunk c = chunks.get(idx);
        long end = Math.min(length, starts.get(idx) + c.length());
        int want = (int) Math.min(len, end - pos);
        List<String> said = new ArrayList<>();
        while (true) {
            if (current == null) {
                current = openAt(c, pos - starts.get(idx), said);
            }
            try {
                int n = current.read(b, off, want);
                if (n < 0) {
                    throw new DataTransferException(ErrorCode.CONNECTION_LOST, currentLocation,
                        "the read of chunk " + String.format("%016x", c.chunkId()) + " ended early");
                }
                pos += n;
                if (pos == end) {
                    dropCurrent();
                }
                return n;
            } catch (DataTransferException e) {
                // Bytes returned so far were verified; the next location goes on from pos.
                said.add(e.getMessage());
                failedLocations.add(e.datanode());
                dropCurrent();
                if (said.size() > 2 * c.locations().size()) {
                    throw allFailed(c, said);
                }
            }
        }
    }

    /** Opens a read of the rest of chunk {@code c} from {@code offset}, from the first location that answers. */
    private ChunkInputStream openAt(Chunk c, long offset, List<String> said) throws IOException {
        List<String> order = new ArrayList<>();
        c.locations().stream().filter(l -> !failedLocations.contains(l)).forEach(order::add);
        c.locations().stream().filter(failedLocations::contains).forEach(order::add);
        for (String location : order) {
            try {
                ChunkInputStream in = data.read(location, c.chunkId(), offset, c.length() - offset, c.token());
                if (in.chunkLength() == c.length()) {
                    currentLocation = location;
                    return in;
                }
                in.close();
                said.add("datanode " + location + ": has " + in.chunkLength() + " bytes of it, not " + c.length());
            } catch (DataTransferException e) {
                said.add(e.getMessage());
            }
            failedLocations.add(location);
        }
        throw allFailed(c, said);
    }

    private IOException allFailed(Chunk c, List<String> said) {
        String why = c.locations().isEmpty() ? "no live datanode has it" : String.join("; ", said);
        return new IOException(path + ": chunk " + String.format("%016x", c.chunkId()) + " (index " + c.idx()
            + ") could not be read: " + why);
    }

    /** The index of the chunk holding byte {@code p}, fetching pages as needed; -1 past the committed chunks. */
    private int chunkAt(long p) {
        while (true) {
            int lo = 0;
            int hi = chunks.size() - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (p < starts.get(mid)) {
                    hi = mid - 1;
                } else if (p >= starts.get(mid) + chunks.get(mid).length()) {
                    lo = mid + 1;
                } else {
                    return mid;
                }
            }
            if (!more) {
                return -1;
            }
            add(meta.open(path, chunks.size(), pageChunks));
        }
    }

    private void dropCurrent() {
        if (current != null) {
            current.close();
            current = null;
            currentLocation = null;
        }
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException(path + ": the stream is closed");
        }
    }

    @Override
    public void close() {
        closed = true;
        dropCurrent();
    }
}
