package io.boomfs.engine.runtime;

import io.boomfs.engine.StepResult;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.program.Relation;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A node's write-ahead log of its {@code durable} tables on Chronicle Queue, with snapshots.
 *
 * <p><b>Log.</b> Each {@link #append} writes exactly one excerpt holding the changes it is given,
 * in order, ending with a CRC32C of the excerpt: the changes of one step, or of a group of
 * consecutive steps (NodeAgent), which then is on disk whole or not at all. In
 * {@link Durability#SYNC} mode {@link #append} returns only after the excerpt is msynced: the
 * caller publishes the outbound tuples of those steps after that (the step contract). One sync
 * per append, never per tuple.
 *
 * <p><b>Snapshots.</b> {@link #snapshot} writes every durable tuple to a temporary file, forces
 * it, renames it over the previous snapshot and forces the directory, then deletes the queue
 * cycle files wholly covered by it.
 *
 * <p><b>Recovery.</b> The latest snapshot, then every excerpt after the one it covers. An excerpt
 * whose checksum or layout is wrong is never applied: at the tail (a crash in the middle of a
 * write) it is reported and dropped, and a void marker is appended so that later recoveries skip
 * it too. Unsynced excerpts after it are dropped with it (a machine crash may write some pages
 * of the unsynced tail and not others); a synced excerpt after it means corruption inside the
 * log, and recovery stops with an error rather than guess.
 *
 * <p>Every excerpt and the snapshot carry the fingerprint of the durable schema, so a data
 * directory written by a program with different durable tables is refused with one clear line.
 * Not thread-safe: the node's agent thread owns it.
 */
public final class DurableStore implements AutoCloseable {
    public enum Durability { SYNC, ASYNC }

    /** A store that cannot be opened, read or written; the message is one line for the operator. */
    public static final class StoreException extends RuntimeException {
        public StoreException(String message) {
            super(message);
        }

        public StoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What recovery found. */
    public record Recovery(List<Tuple> tuples, long snapshotIndex, int excerptsReplayed, int tornDropped, long lastStep) {
    }

    static final int MAGIC = 0x4C415742; // "BWAL"
    static final int SNAPSHOT_MAGIC = 0x50534E42; // "BNSP"
    /** Changes msynced before the step's messages left (SYNC mode, a step that needed it). */
    static final byte KIND_CHANGES = 1;
    static final byte KIND_VOID = 2;
    /** Changes nothing waited for: written in order, on disk with the next sync or when the OS writes them. */
    static final byte KIND_CHANGES_ASYNC = 3;
    static final String SNAPSHOT = "snapshot.bin";

    private final Path dir;
    private final Program program;
    private final Durability durability;
    private final Consumer<String> log;
    private final long schemaFingerprint;
    private final SingleChronicleQueue queue;
    private final ExcerptAppender appender;
    private final ExpandableArrayBuffer buf = new ExpandableArrayBuffer(1024);
    private final Bytes<?> out = Bytes.allocateElasticOnHeap(1024);
    private final CRC32C crc = new CRC32C();
    private final LatencyHistogram syncNanos = new LatencyHistogram();
    private long excerpts;
    private long bytes;
    private long lastIndex = -1;
    /** Changes appended since this store opened: how much a replay after a snapshot would redo. */
    private long changesAppended;
    /** What the newest snapshot written covers (guarded by this store's lock). */
    private long snapshotCovered = -1;
    /** The key columns of each durable table whose key is not all its columns. */
    private final Map<String, int[]> properKeys = new java.util.HashMap<>();

    private DurableStore(Path dir, Program program, Durability durability, RollCycle rollCycle, Consumer<String> log) {
        this.dir = dir;
        this.program = program;
        this.durability = durability;
        this.log = log;
        this.schemaFingerprint = durableFingerprint(program);
        for (Relation r : program.relations()) {
            if (r.durable && r.key.length < r.arity()) {
                properKeys.put(r.name, r.key);
            }
        }
        this.queue = SingleChronicleQueueBuilder.binary(dir.resolve("wal"))
            .rollCycle(rollCycle)
            // Without a sync mode, appender.sync() does nothing at all: SYNC makes it an msync(MS_SYNC)
            // of the pages written since the last one.
            .syncMode(durability == Durability.SYNC ? SyncMode.SYNC : SyncMode.NONE)
            // Only this node appends; a lock left by a writer killed mid-write is broken after this.
            .timeoutMS(2_000)
            .build();
        this.appender = queue.createAppender();
    }

    /**
     * Opens (creating if needed) the store in {@code dir}.
     *
     * @throws StoreException when the directory cannot be created, read or written
     */
    public static DurableStore open(Path dir, Program program, Durability durability, Consumer<String> log) {
        return open(dir, program, durability, RollCycles.FAST_DAILY, log);
    }

    public static DurableStore open(Path dir, Program program, Durability durability, RollCycle rollCycle, Consumer<String> log) {
        try {
            Files.createDirectories(dir.resolve("wal"));
        } catch (AccessDeniedException e) {
            throw new StoreException("data directory " + dir + " is not writable (permission denied on " + e.getFile() + ")");
        } catch (java.nio.file.FileSystemException e) {
            throw new StoreException("cannot create data directory " + dir + ": " + (e.getReason() != null ? e.getReason() : e.getMessage())
                + (e.getFile() != null && !e.getFile().equals(dir.toString()) ? " (" + e.getFile() + ")" : ""));
        } catch (IOException e) {
            throw new StoreException("cannot create data directory " + dir + ": " + e.getMessage());
        }
        if (!Files.isWritable(dir) || !Files.isReadable(dir) || !Files.isWritable(dir.resolve("wal"))) {
            throw new StoreException("data directory " + dir + " is not readable and writable by this user");
        }
        try {
            return new DurableStore(dir, program, durability, rollCycle, log);
        } catch (RuntimeException e) {
            throw new StoreException("cannot open the log in " + dir.resolve("wal") + ": " + e.getMessage(), e);
        }
    }

    /** The fingerprint of a program's durable tables: names and column types, in declaration order. */
    public static long durableFingerprint(Program program) {
        List<Long> fps = new ArrayList<>();
        for (Relation r : program.relations()) {
            if (r.durable) {
                fps.add(Schemas.fingerprint(r));
            }
        }
        long[] a = fps.stream().mapToLong(Long::longValue).toArray();
        return Schemas.combine(a, a.length);
    }

    public Durability durability() {
        return durability;
    }

    public Path dir() {
        return dir;
    }

    public LatencyHistogram syncNanos() {
        return syncNanos;
    }

    public long excerpts() {
        return excerpts;
    }

    public long bytesWritten() {
        return bytes;
    }

    /** The queue index of the last excerpt appended or recovered; -1 when there is none. */
    /** The tuple changes appended since this store opened (a host's measure of the log a snapshot would save replaying). */
    public long changesAppended() {
        return changesAppended;
    }

    public long lastIndex() {
        return lastIndex;
    }

    /**
     * Appends durable changes as one excerpt; in SYNC mode, msyncs it before returning. The
     * changes are those of one step, or of consecutive steps in order, {@code step} being the
     * last. Does nothing when there are no changes.
     */
    public void append(long step, List<StepResult.Change> changes) {
        append(step, changes, true);
    }

    /**
     * Appends durable changes as one excerpt; msyncs it (and, msync covering a range, every
     * excerpt appended since the last sync) before returning when this store is in SYNC mode and
     * {@code needSync} holds. An excerpt left unsynced is marked so: after a machine crash,
     * recovery may drop it with everything after it (nothing waited for them).
     */
    public void append(long step, List<StepResult.Change> changes, boolean needSync) {
        if (changes.isEmpty()) {
            return;
        }
        boolean syncNow = durability == Durability.SYNC && needSync;
        changesAppended += changes.size();
        int at = header(syncNow ? KIND_CHANGES : KIND_CHANGES_ASYNC);
        at = putChanges(at, step, changes);
        write(at);
        if (syncNow) {
            sync();
        }
    }

    /** msyncs what was appended so far. */
    public void sync() {
        long t0 = System.nanoTime();
        appender.sync();
        syncNanos.record(System.nanoTime() - t0);
    }

    private int header(byte kind) {
        buf.putInt(0, MAGIC, ValueCodec.ORDER);
        buf.putByte(4, kind);
        buf.putLong(5, schemaFingerprint, ValueCodec.ORDER);
        return 13;
    }

    /** Change kinds in an excerpt: a deleted tuple, an inserted one, a deleted one named by its key. */
    private static final byte DELETE = 0;
    private static final byte INSERT = 1;
    private static final byte DELETE_KEY = 2;

    /**
     * A step's changes after the excerpt header: the step, the count, then each change. A row
     * deleted from a table with a key goes as its key alone: the changes are in the order the
     * tables changed, so when it is replayed the row holding that key is the one deleted. (A
     * whole row was as costly as the row: the acceptor's truncation at a checkpoint deletes a
     * thousand accepted slots with their batches, megabytes msynced in one step on every
     * replica of a group at once, commits of 100-650 ms in bench partition.)
     */
    private int putChanges(int at, long step, List<StepResult.Change> changes) {
        buf.putLong(at, step, ValueCodec.ORDER);
        buf.putInt(at + 8, changes.size(), ValueCodec.ORDER);
        at += 12;
        for (StepResult.Change c : changes) {
            Tuple t = c.tuple();
            int[] key = c.insert() ? null : properKeys.get(t.relation());
            if (key == null) {
                buf.putByte(at, c.insert() ? INSERT : DELETE);
                at = putTuple(buf, at + 1, t);
            } else {
                buf.putByte(at, DELETE_KEY);
                at = putName(buf, at + 1, t.relation());
                buf.putShort(at, (short) key.length, ValueCodec.ORDER);
                at += 2;
                for (int k : key) {
                    at = ValueCodec.encode(buf, at, t.get(k));
                }
            }
        }
        return at;
    }

    private static int putName(ExpandableArrayBuffer b, int at, String relation) {
        byte[] name = relation.getBytes(StandardCharsets.UTF_8);
        b.putShort(at, (short) name.length, ValueCodec.ORDER);
        b.putBytes(at + 2, name);
        return at + 2 + name.length;
    }

    /** A tuple as excerpts and snapshots hold it: name length, name, arity, values. */
    private static int putTuple(ExpandableArrayBuffer b, int at, Tuple t) {
        at = putName(b, at, t.relation());
        b.putShort(at, (short) t.arity(), ValueCodec.ORDER);
        at += 2;
        for (Object v : t.valuesUnsafe()) {
            at = ValueCodec.encode(b, at, v);
        }
        return at;
    }

    private void write(int length) {
        crc.reset();
        crc.update(buf.byteArray(), 0, length);
        buf.putInt(length, (int) crc.getValue(), ValueCodec.ORDER);
        length += 4;
        out.clear();
        out.write(buf.byteArray(), 0, length);
        appender.writeBytes(out);
        lastIndex = appender.lastIndexAppended();
        excerpts++;
        bytes += length;
    }

    /** Appends raw bytes as one excerpt, exactly as given: lets tests plant a torn excerpt. */
    void appendRawForTest(byte[] raw) {
        out.clear();
        out.write(raw);
        appender.writeBytes(out);
        appender.sync();
    }

    /** The bytes {@link #append} would write for these changes (for tests that tear them). */
    byte[] encodeForTest(long step, List<StepResult.Change> changes) {
        int at = putChanges(header(KIND_CHANGES), step, changes);
        crc.reset();
        crc.update(buf.byteArray(), 0, at);
        buf.putInt(at, (int) crc.getValue(), ValueCodec.ORDER);
        byte[] b = new byte[at + 4];
        buf.getBytes(0, b);
        return b;
    }

    /**
     * Rebuilds the durable tables: the snapshot, then the log after it. Torn tail excerpts are
     * reported through the log callback, voided and dropped.
     *
     * @throws StoreException when the data was written by a program with other durable tables,
     *                        or the log is corrupt before its tail
     */
    public Recovery recover() {
        Map<String, Map<Object, Tuple>> state = new LinkedHashMap<>();
        long snapshotIndex = readSnapshot(state);
        List<Long> bad = new ArrayList<>();
        List<String> badWhy = new ArrayList<>();
        Set<Long> voided = new java.util.HashSet<>();
        int replayed = 0;
        long lastStep = 0;
        ValueCodec.Reader r = new ValueCodec.Reader();
        try (ExcerptTailer tailer = queue.createTailer()) {
            if (snapshotIndex >= 0 && !tailer.moveToIndex(snapshotIndex)) {
                // The covered excerpt's cycle may be gone; everything left is after it.
                tailer.toStart();
            }
            while (true) {
                byte[] ex;
                long index;
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        break;
                    }
                    index = dc.index();
                    Bytes<?> b = dc.wire().bytes();
                    ex = new byte[(int) b.readRemaining()];
                    b.read(ex);
                }
                lastIndex = index;
                if (index <= snapshotIndex) {
                    continue;
                }
                UnsafeBuffer ub = new UnsafeBuffer(ex);
                String why = check(ex);
                if (why != null) {
                    bad.add(index);
                    badWhy.add(why);
                    continue;
                }
                r.wrap(ub, 13, ex.length - 4);
                byte kind = ex[4];
                try {
                    if (kind == KIND_VOID) {
                        voided.add(r.readLong("voided index"));
                        continue;
                    }
                    boolean afterBad = false;
                    for (int i = 0; i < bad.size(); i++) {
                        if (!voided.contains(bad.get(i))) {
                            afterBad = true;
                            // A synced excerpt after a bad one: the sync covered the bad one's
                            // range, so it is damage inside the log, not an unfinished tail.
                            if (kind == KIND_CHANGES) {
                                throw new StoreException("log " + dir.resolve("wal") + " is corrupt at excerpt "
                                    + Long.toHexString(bad.get(i)) + " (" + badWhy.get(i)
                                    + ") with valid excerpts after it: refusing to guess; restore from a replica");
                            }
                        }
                    }
                    if (afterBad) {
                        // Unsynced excerpts after a hole in the unsynced tail (a machine crash
                        // wrote some pages of it and not others): dropped with the hole.
                        bad.add(index);
                        badWhy.add("unsynced, after a torn excerpt");
                        continue;
                    }
                    long step = r.readLong("step");
                    int n = r.readInt("change count");
                    List<Replayed> applied = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        byte change = r.readByte("change kind");
                        if (change == DELETE_KEY) {
                            applied.add(readKey(r));
                        } else if (change == INSERT || change == DELETE) {
                            Tuple t = readTuple(r);
                            applied.add(new Replayed(t.relation(), rowKey(t), change == INSERT, t));
                        } else {
                            throw new ValueCodec.MalformedException("change kind " + change);
                        }
                    }
                    for (Replayed a : applied) {
                        Map<Object, Tuple> rows = state.computeIfAbsent(a.relation(), k -> new LinkedHashMap<>());
                        if (a.insert()) {
                            rows.put(a.key(), a.row());
                        } else if (a.row() != null) {
                            rows.remove(a.key(), a.row());
                        } else {
                            rows.remove(a.key());
                        }
                    }
                    lastStep = step;
                    replayed++;
                } catch (ValueCodec.MalformedException e) {
                    // The checksum held but the content does not parse: written by a broken writer.
                    throw new StoreException("log " + dir.resolve("wal") + " excerpt " + Long.toHexString(index)
                        + " has a valid checksum but cannot be read: " + e.getMessage());
                }
            }
        }
        int dropped = 0;
        for (int i = 0; i < bad.size(); i++) {
            if (voided.contains(bad.get(i))) {
                continue;
            }
            log.accept("dropped a torn excerpt at the tail of " + dir.resolve("wal") + " (index " + Long.toHexString(bad.get(i))
                + ": " + badWhy.get(i) + "); it was never acknowledged");
            int at = header(KIND_VOID);
            buf.putLong(at, bad.get(i), ValueCodec.ORDER);
            write(at + 8);
            dropped++;
        }
        if (dropped > 0) {
            sync();
        }
        List<Tuple> tuples = new ArrayList<>();
        for (Relation rel : program.relations()) {
            Map<Object, Tuple> s = state.get(rel.name);
            if (rel.durable && s != null) {
                tuples.addAll(s.values());
            }
        }
        return new Recovery(tuples, snapshotIndex, replayed, dropped, lastStep);
    }

    /** Why an excerpt is not intact, or null when its layout and checksum hold. */
    private String check(byte[] ex) {
        if (ex.length < 17) {
            return "only " + ex.length + " bytes";
        }
        UnsafeBuffer ub = new UnsafeBuffer(ex);
        if (ub.getInt(0, ValueCodec.ORDER) != MAGIC) {
            return "bad magic";
        }
        crc.reset();
        crc.update(ex, 0, ex.length - 4);
        if ((int) crc.getValue() != ub.getInt(ex.length - 4, ValueCodec.ORDER)) {
            return "checksum mismatch";
        }
        long fp = ub.getLong(5, ValueCodec.ORDER);
        if (fp != schemaFingerprint) {
            throw mismatch(fp);
        }
        byte kind = ex[4];
        if (kind != KIND_CHANGES && kind != KIND_VOID && kind != KIND_CHANGES_ASYNC) {
            return "unknown excerpt kind " + kind;
        }
        return null;
    }

    private StoreException mismatch(long theirs) {
        return new StoreException(String.format("data directory %s was written by a program whose durable tables have fingerprint %016x;"
            + " %s has %016x: use the program that wrote it or another data directory", dir, theirs, program.name(), schemaFingerprint));
    }

    private Tuple readTuple(ValueCodec.Reader r) throws ValueCodec.MalformedException {
        String name = r.readUtf8(r.readUnsignedShort("relation name length"), "relation name");
        int arity = r.readUnsignedShort("arity");
        Relation rel = program.relation(name);
        if (rel == null || !rel.durable || rel.arity() != arity) {
            throw new ValueCodec.MalformedException("relation " + name + "/" + arity + " is not a durable table of " + program.name());
        }
        Object[] values = new Object[arity];
        for (int i = 0; i < arity; i++) {
            values[i] = r.readValue();
            if (!rel.types[i].admits(values[i])) {
                throw new ValueCodec.MalformedException("column " + rel.columns[i] + " of " + name + " holds a wrong type");
            }
        }
        return Tuple.wrap(name, values);
    }

    /** A row's key in the replayed state: its key columns' values for a table with a key, else the row. */
    private Object rowKey(Tuple t) {
        int[] key = properKeys.get(t.relation());
        if (key == null) {
            return t;
        }
        Object[] k = new Object[key.length];
        for (int i = 0; i < key.length; i++) {
            k[i] = t.get(key[i]);
        }
        return Arrays.asList(k);
    }

    /** One change read back: its row's key in the replayed state, and the row (none for a deletion by key). */
    private record Replayed(String relation, Object key, boolean insert, Tuple row) {
    }

    /** A deletion by key. */
    private Replayed readKey(ValueCodec.Reader r) throws ValueCodec.MalformedException {
        String name = r.readUtf8(r.readUnsignedShort("relation name length"), "relation name");
        int n = r.readUnsignedShort("key length");
        int[] key = properKeys.get(name);
        if (key == null || key.length != n) {
            throw new ValueCodec.MalformedException("relation " + name + " has no key of " + n + " columns in " + program.name());
        }
        Relation rel = program.relation(name);
        Object[] k = new Object[n];
        for (int i = 0; i < n; i++) {
            k[i] = r.readValue();
            if (!rel.types[key[i]].admits(k[i])) {
                throw new ValueCodec.MalformedException("key column " + rel.columns[key[i]] + " of " + name + " holds a wrong type");
            }
        }
        return new Replayed(name, Arrays.asList(k), false, null);
    }

    /**
     * Writes every durable tuple to the snapshot (write, force, rename, force the directory),
     * then deletes the queue cycles it covers. {@code tuples} must be the durable state after
     * the last appended excerpt.
     */
    public void snapshot(List<Tuple> tuples) {
        writeSnapshot(tuples, lastIndex, false);
    }

    /**
     * A snapshot of {@code tuples} (the durable tables as they are now, between two steps) to be
     * written later, on another thread, while steps go on appending: it covers the excerpts
     * appended until now, so recovery replays the later ones over it. Encoding and writing a big
     * state takes long; a node's step thread must not stop for it (a leader that stops
     * heartbeating loses its leadership). At most one such task may run at a time, and the
     * store must stay open until it ends.
     */
    public Runnable snapshotLater(List<Tuple> tuples) {
        long covered = lastIndex;
        return () -> writeSnapshot(tuples, covered, true);
    }

    /** A snapshot is encoded, written and forced this many bytes at a time. */
    private static final int SNAPSHOT_CHUNK = 1 << 20;
    /**
     * After each chunk of a snapshot written in the background ({@link #snapshotLater}), a
     * pause as long as the chunk took to encode and write, and at least this long: the replicas
     * of a group reach a checkpoint at the same log position, and three replicas encoding 300,000
     * rows at once (0.7-1.2 s of CPU each) starved every other thread of a 2-core machine (bench
     * partition at 100,000 files: a writer's pause of 557 ms, with commits of 78-103 ms and steps
     * of 177 ms in the three replicas meanwhile). Paced, a snapshot takes at most half a core.
     */
    private static final long SNAPSHOT_PACE_NS = 10_000_000;

    /**
     * Writes a snapshot covering the excerpts up to {@code covered}. One at a time (a snapshot
     * taken later may be written by another thread), and never one older than the last written:
     * that one dropped the log the older one would need. The file is the header, the tuples and
     * a CRC32C of both; it is encoded a chunk at a time, each chunk on disk before the next.
     */
    private synchronized void writeSnapshot(List<Tuple> tuples, long covered, boolean paced) {
        if (covered < snapshotCovered) {
            return;
        }
        snapshotCovered = covered;
        Path tmp = dir.resolve(SNAPSHOT + ".tmp");
        long t0 = System.nanoTime();
        long written;
        long forced;
        long moved;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
                ExpandableArrayBuffer sb = new ExpandableArrayBuffer(SNAPSHOT_CHUNK + 4096);
                CRC32C crc = new CRC32C();
                sb.putInt(0, SNAPSHOT_MAGIC, ValueCodec.ORDER);
                sb.putLong(4, schemaFingerprint, ValueCodec.ORDER);
                sb.putLong(12, covered, ValueCodec.ORDER);
                sb.putInt(20, tuples.size(), ValueCodec.ORDER);
                int at = 24;
                long chunkStart = System.nanoTime();
                for (Tuple t : tuples) {
                    at = putTuple(sb, at, t);
                    if (at >= SNAPSHOT_CHUNK) {
                        // A MiB at a time, each on disk before the next: tens of MB written at
                        // once and forced at the end made other processes' msyncs on the same
                        // file system wait for them (ext4 commits them in one journal
                        // transaction): a shard leader's commit took 609-1,046 ms beside a
                        // snapshot (bench partition, 100,000 files).
                        crc.update(sb.byteArray(), 0, at);
                        writeChunk(ch, sb, at);
                        at = 0;
                        if (paced) {
                            long spent = System.nanoTime() - chunkStart;
                            java.util.concurrent.locks.LockSupport.parkNanos(Math.max(SNAPSHOT_PACE_NS, spent));
                            chunkStart = System.nanoTime();
                        }
                    }
                }
                crc.update(sb.byteArray(), 0, at);
                sb.putInt(at, (int) crc.getValue(), ValueCodec.ORDER);
                writeChunk(ch, sb, at + 4);
                written = System.nanoTime();
                ch.force(true);
                forced = System.nanoTime();
            }
            Files.move(tmp, dir.resolve(SNAPSHOT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            forceDirectory(dir);
            moved = System.nanoTime();
        } catch (IOException e) {
            throw new StoreException("cannot write snapshot in " + dir + ": " + e);
        }
        int dropped = covered >= 0 ? dropCyclesBefore(queue.rollCycle().toCycle(covered)) : 0;
        lastSnapshotPhases = String.format("written %d ms, forced %d ms, renamed %d ms, %d log files dropped in %d ms",
            (written - t0) / 1_000_000, (forced - written) / 1_000_000, (moved - forced) / 1_000_000, dropped,
            (System.nanoTime() - moved) / 1_000_000);
    }

    private volatile String lastSnapshotPhases = "";

    /** Where the last snapshot's time went (written, forced, renamed, log files dropped): a diagnostic. */
    public String lastSnapshotPhases() {
        return lastSnapshotPhases;
    }

    private static void writeChunk(FileChannel ch, ExpandableArrayBuffer sb, int length) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(sb.byteArray(), 0, length);
        while (bb.hasRemaining()) {
            ch.write(bb);
        }
        ch.force(false);
    }

    static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Deletes the queue cycles before {@code cycle}; returns how many. */
    private int dropCyclesBefore(int cycle) {
        int n = 0;
        try (Stream<Path> files = Files.list(dir.resolve("wal"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".cq4")).toList()) {
                int c = cycleOf(f);
                if (c >= 0 && c < cycle && Files.deleteIfExists(f)) {
                    n++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        queue.refreshDirectoryListing();
        return n;
    }

    private int cycleOf(Path file) {
        String name = file.getFileName().toString();
        try {
            return cycleFromName(name);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private int cycleFromName(String name) {
        String base = name.substring(0, name.length() - ".cq4".length());
        java.time.format.DateTimeFormatter f = java.time.format.DateTimeFormatter.ofPattern(queue.rollCycle().format())
            .withZone(java.time.ZoneOffset.UTC);
        java.time.temporal.TemporalAccessor ta = f.parse(base);
        long epochMs;
        try {
            epochMs = java.time.LocalDateTime.from(ta).toInstant(java.time.ZoneOffset.UTC).toEpochMilli();
        } catch (java.time.DateTimeException e) {
            epochMs = java.time.LocalDate.from(ta).atStartOfDay(java.time.ZoneOffset.UTC).toInstant().toEpochMilli();
        }
        return (int) (epochMs / queue.rollCycle().lengthInMillis());
    }

    /** Reads the snapshot into {@code state}; returns the queue index it covers, or -1 without one. */
    private long readSnapshot(Map<String, Map<Object, Tuple>> state) {
        Path f = dir.resolve(SNAPSHOT);
        if (!Files.exists(f)) {
            return -1;
        }
        byte[] b;
        try {
            b = Files.readAllBytes(f);
        } catch (IOException e) {
            throw new StoreException("cannot read snapshot " + f + ": " + e);
        }
        UnsafeBuffer ub = new UnsafeBuffer(b);
        CRC32C c = new CRC32C();
        if (b.length < 28) {
            throw new StoreException("snapshot " + f + " is truncated (" + b.length + " bytes)");
        }
        c.update(b, 0, b.length - 4);
        if (ub.getInt(0, ValueCodec.ORDER) != SNAPSHOT_MAGIC || (int) c.getValue() != ub.getInt(b.length - 4, ValueCodec.ORDER)) {
            // Written whole and renamed: a bad one is damage after the fact, not a torn write.
            throw new StoreException("snapshot " + f + " is corrupt (bad magic or checksum)");
        }
        long fp = ub.getLong(4, ValueCodec.ORDER);
        if (fp != schemaFingerprint) {
            throw mismatch(fp);
        }
        long covered = ub.getLong(12, ValueCodec.ORDER);
        int n = ub.getInt(20, ValueCodec.ORDER);
        ValueCodec.Reader r = new ValueCodec.Reader().wrap(ub, 24, b.length - 4);
        try {
            for (int i = 0; i < n; i++) {
                Tuple t = readTuple(r);
                state.computeIfAbsent(t.relation(), k -> new LinkedHashMap<>()).put(rowKey(t), t);
            }
        } catch (ValueCodec.MalformedException e) {
            throw new StoreException("snapshot " + f + " cannot be read: " + e.getMessage());
        }
        return covered;
    }

    /** The number of queue cycle files on disk (for tests of snapshot truncation). */
    int cycleFiles() {
        try (Stream<Path> files = Files.list(dir.resolve("wal"))) {
            return (int) files.filter(p -> p.toString().endsWith(".cq4")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        appender.close();
        queue.close();
    }
}
