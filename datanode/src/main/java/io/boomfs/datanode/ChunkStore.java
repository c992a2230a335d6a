package io.boomfs.datanode;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The chunks of one datanode, as files on its local disk: {@code DATA/chunks/<16 hex digits of
 * the id>.chunk}, each with a CRC32C per 64 KiB block ({@link ChunkFormat}).
 *
 * <p>Promises:
 * <ul>
 *   <li><b>Atomic writes.</b> A chunk is written to a temp file in the same directory, forced to
 *       disk, renamed to its name, and the directory is forced: after a crash at any point a
 *       chunk is either whole or absent. Temp files of crashed writes are deleted on open. A
 *       chunk written again (a retried pipeline) is replaced whole.</li>
 *   <li><b>Verified reads.</b> A read checks the checksum of every block it covers before it
 *       returns a byte of that block; a mismatch is a {@link ChunkStoreException.Corrupt} naming
 *       the chunk and the block's offset, counted, and the chunk is left out of {@link #list}
 *       (the chunk report) from then on, so that the metadata service re-replicates it.</li>
 *   <li><b>Capacity.</b> A write reserves its whole file size up front; one that would pass the
 *       configured capacity, or finds the disk full, fails with {@link ChunkStoreException.NoSpace}
 *       and leaves nothing behind.</li>
 *   <li><b>Paths.</b> A chunk's file name is derived from its id and nothing else (16 hex
 *       digits), and files are opened without following symbolic links, so no chunk id reaches
 *       outside the data directory.</li>
 * </ul>
 * The directory is locked while the store is open: two datanodes on one directory would delete
 * each other's temp files. Thread-safe.
 */
public final class ChunkStore implements AutoCloseable {
    private final Path dir;
    private final long capacityBytes;
    private final Consumer<String> log;
    private final FileChannel lockChannel;
    private final FileLock lock;
    /** Complete chunks: id to data length. */
    private final Map<Long, Long> chunks = new ConcurrentHashMap<>();
    /** Chunks found corrupt since the store opened; still on disk, no longer reported. */
    private final Set<Long> corrupt = ConcurrentHashMap.newKeySet();
    private final Set<Long> writing = ConcurrentHashMap.newKeySet();
    private final Object space = new Object();
    /** Bytes of the files of complete (and corrupt) chunks; guarded by {@link #space}. */
    private long usedBytes;
    /** Bytes reserved by writes in progress; guarded by {@link #space}. */
    private long reservedBytes;
    private final AtomicLong tempSeq = new AtomicLong();
    private final AtomicLong corruptions = new AtomicLong();
    private final long tempFilesRemoved;
    /** Hears every change of the sound chunks; guarded by {@link #space}. */
    private Listener listener = Listener.NONE;

    private ChunkStore(Path dir, long capacityBytes, Consumer<String> log, FileChannel lockChannel, FileLock lock,
                       long tempFilesRemoved) {
        this.dir = dir;
        this.capacityBytes = capacityBytes;
        this.log = log;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.tempFilesRemoved = tempFilesRemoved;
    }

    /** A chunk and its length, as a chunk report lists it. */
    public record ChunkInfo(long chunkId, long length) {
    }

    /**
     * Hears every change of the set of sound chunks (what {@link #list} returns), in the order
     * the store makes them, with the disk's figures right after the change: the control path
     * tells the metadata shards. Called under the store's lock, so keep it short and never call
     * back into the store.
     */
    public interface Listener {
        Listener NONE = (chunkId, length, usedBytes, soundChunks) -> { };

        /**
         * @param length      the chunk's length after a commit, or -1 when it was deleted or found corrupt
         * @param usedBytes   {@link #usedBytes()} after the change
         * @param soundChunks {@link #soundChunks()} after the change
         */
        void changed(long chunkId, long length, long usedBytes, long soundChunks);
    }

    /**
     * Opens (creating it if needed) the store in {@code dataDir}: locks it, deletes the temp
     * files of writes a crash interrupted, and finds the chunks by listing the directory and
     * reading each header (not the data: a full verification of every chunk would make a start
     * cost a read of the whole disk).
     *
     * @param capacityBytes the most bytes of chunk files this datanode keeps
     * @throws ChunkStoreException the directory cannot be created, read or locked
     */
    public static ChunkStore open(Path dataDir, long capacityBytes, Consumer<String> log) throws ChunkStoreException {
        if (capacityBytes <= 0) {
            throw new IllegalArgumentException("capacity must be positive, not " + capacityBytes);
        }
        Path dir = dataDir.resolve("chunks");
        FileChannel lockChannel;
        try {
            Files.createDirectories(dir);
            lockChannel = FileChannel.open(dataDir.resolve("datanode.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new ChunkStoreException("cannot use data directory " + dataDir + ": " + describe(e), e);
        }
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (IOException | OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            closeQuietly(lockChannel);
            throw new ChunkStoreException("cannot use data directory " + dataDir + ": another datanode has it open");
        }
        try {
            ChunkStore store = new ChunkStore(dir, capacityBytes, log, lockChannel, lock, removeTempFiles(dir, log));
            store.scan();
            return store;
        } catch (IOException e) {
            closeQuietly(lockChannel);
            throw new ChunkStoreException("cannot use data directory " + dataDir + ": " + describe(e), e);
        }
    }

    private static long removeTempFiles(Path dir, Consumer<String> log) throws IOException {
        long removed = 0;
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir, "*" + ChunkFormat.TEMP_SUFFIX)) {
            for (Path t : temps) {
                Files.deleteIfExists(t);
                removed++;
            }
        }
        if (removed > 0) {
            forceDirectory(dir);
            log.accept("removed " + removed + " temp file(s) of interrupted writes from " + dir);
        }
        return removed;
    }

    private void scan() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                Long id = ChunkFormat.parseFileName(name);
                if (id == null) {
                    log.accept("ignoring " + f + ": not a chunk file");
                } else if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    log.accept("ignoring " + f + ": not a regular file");
                } else {
                    long size = Files.size(f);
                    usedBytes += size;
                    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                        chunks.put(id, readHeader(ch, id));
                    } catch (ChunkStoreException.Corrupt e) {
                        // Kept on disk for an operator to look at, but never reported or served.
                        corrupt.add(id);
                        corruptions.incrementAndGet();
                        log.accept(e.getMessage());
                    }
                }
            }
        }
    }

    /** Reads and checks the header of chunk {@code id}'s file; returns its length. */
    static long readHeader(FileChannel ch, long id) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(ChunkFormat.HEADER_BYTES);
        while (h.hasRemaining() && ch.read(h, h.position()) > 0) {
            // Positional reads until the header is whole or the file ends.
        }
        String[] why = new String[1];
        Long length = ChunkFormat.parseHeader(h.flip(), id, ch.size(), why);
        if (length == null) {
            throw new ChunkStoreException.Corrupt(id, -1, why[0]);
        }
        return length;
    }

    Path dir() {
        return dir;
    }

    Path pathOf(long chunkId) {
        return inDir(ChunkFormat.fileName(chunkId));
    }

    Path tempPathOf(long chunkId) {
        return inDir(ChunkFormat.hex(chunkId) + "." + tempSeq.incrementAndGet() + ChunkFormat.TEMP_SUFFIX);
    }

    /**
     * The file {@code name} in the chunk directory. Chunk ids from the network name files: the
     * names are hex digits by construction, and this always-on check keeps it so should that
     * ever change.
     */
    private Path inDir(String name) {
        Path p = dir.resolve(name);
        if (!dir.equals(p.normalize().getParent())) {
            throw new IllegalStateException("the chunk file name \"" + name + "\" is not a plain name inside " + dir);
        }
        return p;
    }

    /**
     * Starts writing chunk {@code chunkId} of exactly {@code length} bytes: reserves its space
     * and opens its temp file. The chunk becomes visible only at {@link ChunkWriter#commit()};
     * closing the writer before that discards it.
     *
     * @throws ChunkStoreException.NoSpace past the capacity or the disk's free space
     * @throws ChunkStoreException.Busy    the chunk is being written by another writer
     */
    public ChunkWriter create(long chunkId, long length) throws ChunkStoreException {
        if (length < 0 || length > ChunkFormat.MAX_CHUNK_BYTES) {
            throw new IllegalArgumentException("a chunk holds 0 to " + ChunkFormat.MAX_CHUNK_BYTES + " bytes, not " + length);
        }
        if (!writing.add(chunkId)) {
            throw new ChunkStoreException.Busy(chunkId);
        }
        long fileBytes = ChunkFormat.fileBytes(length);
        try {
            reserve(chunkId, fileBytes);
        } catch (ChunkStoreException e) {
            writing.remove(chunkId);
            throw e;
        }
        try {
            return new ChunkWriter(this, chunkId, length, tempPathOf(chunkId));
        } catch (IOException e) {
            release(fileBytes);
            writing.remove(chunkId);
            throw e instanceof ChunkStoreException c ? c
                : new ChunkStoreException("cannot create chunk " + ChunkFormat.hex(chunkId) + ": " + describe(e), e);
        }
    }

    private void reserve(long chunkId, long fileBytes) throws ChunkStoreException {
        synchronized (space) {
            if (usedBytes + reservedBytes + fileBytes > capacityBytes) {
                throw new ChunkStoreException.NoSpace("no space for chunk " + ChunkFormat.hex(chunkId) + ": it needs " + fileBytes
                    + " bytes, " + usedBytes + " are used and " + reservedBytes + " reserved of a capacity of " + capacityBytes);
            }
            long free = freeDiskBytes();
            if (free < fileBytes) {
                throw new ChunkStoreException.NoSpace("no space for chunk " + ChunkFormat.hex(chunkId) + ": it needs " + fileBytes
                    + " bytes and the disk of " + dir + " has " + free + " free");
            }
            reservedBytes += fileBytes;
        }
    }

    private long freeDiskBytes() {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            // Unknown: the write itself will tell when the disk is full.
            return Long.MAX_VALUE;
        }
    }

    void release(long fileBytes) {
        synchronized (space) {
            reservedBytes -= fileBytes;
        }
    }

    /** A writer renamed its temp file into place: the chunk is complete and replaces any older copy. */
    void committed(long chunkId, long length, long fileBytes) {
        synchronized (space) {
            reservedBytes -= fileBytes;
            usedBytes += fileBytes;
            Long old = chunks.put(chunkId, length);
            if (old != null) {
                usedBytes -= ChunkFormat.fileBytes(old);
            }
            corrupt.remove(chunkId);
            listener.changed(chunkId, length, usedBytes, soundChunks());
        }
    }

    /**
     * Makes {@code l} hear every later change (replacing the one before). Set it before the
     * chunks can change (before the data server starts), right after reading {@link #list}, so
     * that the list and the changes together are the whole story.
     */
    public void listen(Listener l) {
        synchronized (space) {
            listener = l == null ? Listener.NONE : l;
        }
    }

    void writerClosed(long chunkId) {
        writing.remove(chunkId);
    }

    /**
     * Writes chunk {@code chunkId} whole from {@code in}, which must hold at least {@code length}
     * bytes (only those are read). Returns once the chunk is durable and visible.
     *
     * @throws IOException the stream failed or ended early (nothing is kept), or a
     *                     {@link ChunkStoreException} of {@link #create} or of the disk
     */
    public void write(long chunkId, InputStream in, long length) throws IOException {
        try (ChunkWriter w = create(chunkId, length)) {
            byte[] buf = new byte[ChunkFormat.BLOCK_BYTES];
            long left = length;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new EOFException("the data of chunk " + ChunkFormat.hex(chunkId) + " ended after "
                        + (length - left) + " of " + length + " bytes");
                }
                w.write(buf, 0, n);
                left -= n;
            }
            w.commit();
        }
    }

    /**
     * Opens a verified read of {@code length} bytes from {@code offset} of chunk {@code chunkId},
     * cut short at the chunk's end.
     *
     * @throws ChunkStoreException.NotFound   no such chunk
     * @throws ChunkStoreException.OutOfRange {@code offset} is past the end
     * @throws ChunkStoreException.Corrupt    the file's header or size is wrong
     */
    public ChunkReader open(long chunkId, long offset, long length) throws ChunkStoreException {
        if (offset < 0 || length < 0) {
            throw new ChunkStoreException.OutOfRange("a read of chunk " + ChunkFormat.hex(chunkId)
                + " needs a non-negative offset and length, not " + offset + " and " + length);
        }
        if (!chunks.containsKey(chunkId)) {
            throw new ChunkStoreException.NotFound(chunkId);
        }
        try {
            return ChunkReader.open(this, chunkId, pathOf(chunkId), offset, length);
        } catch (NoSuchFileException e) {
            // Deleted between the lookup and the open.
            throw new ChunkStoreException.NotFound(chunkId);
        } catch (ChunkStoreException e) {
            throw e;
        } catch (IOException e) {
            throw new ChunkStoreException("cannot read chunk " + ChunkFormat.hex(chunkId) + ": " + describe(e), e);
        }
    }

    /** A read found chunk {@code chunkId} corrupt: count it and stop reporting it. */
    void corruptionFound(ChunkStoreException.Corrupt e) {
        corruptions.incrementAndGet();
        synchronized (space) {
            if (corrupt.add(e.chunkId())) {
                log.accept(e.getMessage());
                if (chunks.containsKey(e.chunkId())) {
                    listener.changed(e.chunkId(), -1, usedBytes, soundChunks());
                }
            }
        }
    }

    /** Reads all of chunk {@code chunkId}, checking every checksum. */
    public void verify(long chunkId) throws ChunkStoreException {
        try (ChunkReader r = open(chunkId, 0, Long.MAX_VALUE)) {
            byte[] buf = new byte[ChunkFormat.BLOCK_BYTES];
            while (r.next(buf) > 0) {
                // Each block is verified as it is read.
            }
        }
    }

    /**
     * The length of chunk {@code chunkId}.
     *
     * @throws ChunkStoreException.NotFound no such chunk
     */
    public long length(long chunkId) throws ChunkStoreException.NotFound {
        Long l = chunks.get(chunkId);
        if (l == null) {
            throw new ChunkStoreException.NotFound(chunkId);
        }
        return l;
    }

    /** The complete chunks not known to be corrupt, by id: the content of a chunk report. */
    public List<ChunkInfo> list() {
        List<ChunkInfo> out = new ArrayList<>();
        for (Map.Entry<Long, Long> e : chunks.entrySet()) {
            if (!corrupt.contains(e.getKey())) {
                out.add(new ChunkInfo(e.getKey(), e.getValue()));
            }
        }
        out.sort((a, b) -> Long.compare(a.chunkId(), b.chunkId()));
        return out;
    }

    /** The chunks found corrupt since the store opened (at open or by a read), by id. */
    public Set<Long> corrupt() {
        return new TreeSet<>(corrupt);
    }

    /**
     * Deletes chunk {@code chunkId} (a corrupt one too); false when there was none. The
     * directory is not forced: a deleted chunk that comes back after a crash is reported and
     * deleted again.
     */
    public boolean delete(long chunkId) throws ChunkStoreException {
        synchronized (space) {
            boolean wasCorrupt = corrupt.remove(chunkId);
            Long length = chunks.remove(chunkId);
            if (length == null && !wasCorrupt) {
                return false;
            }
            Path p = pathOf(chunkId);
            try {
                long size = Files.size(p);
                Files.delete(p);
                usedBytes -= size;
            } catch (NoSuchFileException e) {
                return false;
            } catch (IOException e) {
                throw new ChunkStoreException("cannot delete chunk " + ChunkFormat.hex(chunkId) + ": " + describe(e), e);
            } finally {
                if (length != null && !wasCorrupt) {
                    // Gone from the list, whatever happened to the file.
                    listener.changed(chunkId, -1, usedBytes, soundChunks());
                }
            }
            return true;
        }
    }

    /** The number of sound chunks, {@code list().size()} without building the list. */
    public long soundChunks() {
        synchronized (space) {
            long n = chunks.size();
            for (Long id : corrupt) {
                if (chunks.containsKey(id)) {
                    n--;
                }
            }
            return n;
        }
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    /** Bytes of chunk files on disk (corrupt ones included), not counting writes in progress. */
    public long usedBytes() {
        synchronized (space) {
            return usedBytes;
        }
    }

    /** Bytes reserved by writes in progress. */
    public long reservedBytes() {
        synchronized (space) {
            return reservedBytes;
        }
    }

    /** Corruptions found since the store opened (each read that hit one counts). */
    public long corruptionsFound() {
        return corruptions.get();
    }

    /** Temp files of interrupted writes deleted when the store opened. */
    public long tempFilesRemoved() {
        return tempFilesRemoved;
    }

    /** Releases the directory's lock. Writers still open fail at their next operation. */
    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException e) {
            // Closing the channel releases the lock anyway.
        }
        closeQuietly(lockChannel);
    }

    static void forceDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** One line for an I/O error: its message, or its class when it has none. */
    static String describe(IOException e) {
        String m = e.getMessage();
        if (e instanceof NoSuchFileException) {
            return "no such file " + m;
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // Nothing left to do with a channel that failed to close.
        }
    }
}
