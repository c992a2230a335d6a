package io.boomfs.client;

import io.boomfs.client.MetaClient.Entry;
import io.boomfs.client.MetaClient.Stat;
import io.boomfs.datanode.DataClient;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

/**
 * The file system as a Java API: metadata through the shard ({@link MetaClient}), data through
 * the datanodes ({@link DataClient}), which the shard names (ARCHITECTURE.md, "Datanodes and
 * data"; metadata-shard/DESIGN.md, "Files, chunks and write leases"). Nothing to configure
 * beyond the shard's replicas and timeouts: datanode addresses come with {@code add_chunk} and
 * {@code open}.
 *
 * <p>Files are written once, by one writer ({@link #create}), and read with seeks
 * ({@link #open}). This client's id is the holder of the write leases of the files it creates;
 * while any is open a thread renews them every third of the lease. Namespace errors are
 * {@link MetaClient.FsException}s with the shard's codes; data errors are IOExceptions.
 *
 * <p>Thread-safe: metadata calls of all threads go through one session, one at a time; data
 * transfers run on their callers' threads. Streams are not thread-safe.
 */
public final class BoomFileSystem implements AutoCloseable {
    /**
     * A client's settings.
     *
     * @param metaTimeoutMs  one metadata operation, retries included (leader changes)
     * @param data           the datanode timeouts
     * @param writeAttempts  pipelines tried for one chunk before a write fails
     * @param leaseMs        the shard's write lease ({@code lease_ms}); renewed every third of it
     * @param replication    replicas of a new file when the caller gives none
     * @param chunkSize      chunk size of a new file when the caller gives none; a writer holds one chunk in memory
     * @param openPageChunks chunks (and their locations) fetched per {@code open} page
     */
    public record Config(long metaTimeoutMs, DataClient.Config data, int writeAttempts, long leaseMs, long replication,
                         int chunkSize, long openPageChunks) {
        public Config {
            check(metaTimeoutMs >= 1, "metaTimeoutMs", metaTimeoutMs);
            check(writeAttempts >= 1, "writeAttempts", writeAttempts);
            check(leaseMs >= 3, "leaseMs", leaseMs);
            check(replication >= 1 && replication <= 8, "replication (1..8)", replication);
            check(chunkSize >= 1, "chunkSize", chunkSize);
            check(openPageChunks >= 1, "openPageChunks", openPageChunks);
        }

        private static void check(boolean ok, String what, long value) {
            if (!ok) {
                throw new IllegalArgumentException("bad client setting " + what + ": " + value);
            }
        }

        /** 10 s per metadata op, the datanodes' timeouts, 4 pipelines, a 60 s lease, 3 replicas of 64 MiB chunks. */
        public static Config defaults() {
            return new Config(10_000, DataClient.Config.defaults(), 4, 60_000, 3, 64 << 20, 1_000);
        }

        public Config withMetaTimeoutMs(long ms) {
            return new Config(ms, data, writeAttempts, leaseMs, replication, chunkSize, openPageChunks);
        }

        public Config withData(DataClient.Config d) {
            return new Config(metaTimeoutMs, d, writeAttempts, leaseMs, replication, chunkSize, openPageChunks);
        }

        public Config withLeaseMs(long ms) {
            return new Config(metaTimeoutMs, data, writeAttempts, ms, replication, chunkSize, openPageChunks);
        }

        public Config withFiles(long repl, int chunk) {
            return new Config(metaTimeoutMs, data, writeAttempts, leaseMs, repl, chunk, openPageChunks);
        }
    }

    /** What {@link #du} counts under a path: files, directories (the path itself included) and bytes. */
    public record Usage(long files, long dirs, long bytes) {
    }

    private final MetaClient meta;
    private final DataClient data;
    private final Config config;
    private final LeaseRenewer leases;

    private BoomFileSystem(MetaClient meta, Config config, Consumer<String> log) {
        this.meta = meta;
        this.config = config;
        this.data = new DataClient(config.data());
        this.leases = new LeaseRenewer(() -> meta.renew(meta.holder()), config.leaseMs() / 3, log);
    }

    /** A client of the file system whose metadata shard has {@code replicas} (HOST:PORT each), as {@code user}. */
    public static BoomFileSystem open(List<String> replicas, String user, Config config) {
        return new BoomFileSystem(MetaClient.open(replicas, user, config.metaTimeoutMs()), config, System.err::println);
    }

    /**
     * A client of a file system of several shard groups ({@code groups}: each group's replicas in
     * group order) with {@code vparts} virtual partitions, as {@code user}.
     */
    public static BoomFileSystem open(List<List<String>> groups, long vparts, String user, Config config) {
        return new BoomFileSystem(MetaClient.open(groups, vparts, user, config.metaTimeoutMs()), config, System.err::println);
    }

    /**
     * A client of the file system over a metadata client set up by the caller (e.g. one bound to
     * an address other than loopback, sharing a media driver); closing it closes {@code meta}.
     */
    public static BoomFileSystem over(MetaClient meta, Config config) {
        return new BoomFileSystem(meta, config, System.err::println);
    }

    /** This client's id: the holder of its files' write leases. */
    public String clientId() {
        return meta.holder();
    }

    /**
     * From now on acts as the user of {@code token}: {@code NAME:SECRET} as {@code boom admin user
     * add} printed it, or a bare {@code NAME} on a cluster without sm.auth (the name is believed).
     * Every op is then checked against that user's rights (PERMISSION when it lacks one).
     */
    public BoomFileSystem authenticate(String token) {
        String t = token.strip();
        int colon = t.indexOf(':');
        meta.as(colon < 0 ? t : t.substring(0, colon), colon < 0 ? null : t.substring(colon + 1));
        return this;
    }

    /** Creates the directory and any missing parents; returns its id. */
    public long mkdirs(String path) {
        return meta.mkdirs(path);
    }

    /** {@link #create(String, boolean, long, int)} with the configured replication and chunk size. */
    public BoomOutputStream create(String path, boolean overwrite) {
        return create(path, overwrite, config.replication(), config.chunkSize());
    }

    /**
     * Creates a file (replacing one when {@code overwrite}) and returns the stream that writes
     * it; the file is readable with its length once the stream is closed. A writer holds one
     * chunk of {@code chunkSize} bytes in memory (see {@link BoomOutputStream}).
     *
     * @throws MetaClient.FsException EXISTS, LEASE_HELD (another client writes it), NOT_FOUND, NOT_DIR, ...
     */
    public BoomOutputStream create(String path, boolean overwrite, long replication, int chunkSize) {
        if (chunkSize < 1 || replication < 1) {
            throw new IllegalArgumentException(path + ": a chunk size and replication of at least 1, not " + chunkSize + " and "
                + replication);
        }
        long id = meta.create(path, overwrite, replication, chunkSize, 420);
        leases.opened();
        return new BoomOutputStream(meta, data, path, id, meta.holder(), chunkSize, config.writeAttempts(), leases::closed);
    }

    /** Opens a file for reading, from its first byte. */
    public BoomInputStream open(String path) {
        return new BoomInputStream(meta, data, path, config.openPageChunks());
    }

    public Stat stat(String path) {
        return meta.stat(path);
    }

    /** Every chunk of a file with the live datanodes that hold it, as the shard sees them now. */
    public List<FileMeta.Chunk> chunks(String path) {
        List<FileMeta.Chunk> out = new ArrayList<>();
        FileMeta.OpenPage page;
        do {
            page = meta.open(path, out.size(), config.openPageChunks());
            out.addAll(page.chunks());
        } while (page.more() && !page.chunks().isEmpty());
        return out;
    }

    /** The names of a directory in name order, fetched a page at a time as the iterator goes. */
    public Iterator<Entry> list(String path) {
        return meta.list(path);
    }

    public void rename(String src, String dst) {
        meta.rename(src, dst);
    }

    public void delete(String path, boolean recursive) {
        meta.delete(path, recursive);
    }

    /** Changes the attributes that are not null (replication only applies to files). */
    public void setattr(String path, Long mode, String owner, Long mtimeMs, Long replication) {
        meta.setattr(path, mode, owner, mtimeMs, replication);
    }

    /**
     * Files, directories and bytes under {@code path}, by walking it from this client (a stat per
     * file): not one snapshot, so changes made during the walk may or may not count.
     */
    public Usage du(String path) {
        Stat top = meta.stat(path);
        if (!top.isDir()) {
            return new Usage(1, 0, top.size());
        }
        long files = 0;
        long dirs = 0;
        long bytes = 0;
        Deque<String> todo = new ArrayDeque<>(List.of(path));
        while (!todo.isEmpty()) {
            String dir = todo.pop();
            dirs++;
            for (Iterator<Entry> it = meta.list(dir); it.hasNext(); ) {
                Entry e = it.next();
                String child = (dir.endsWith("/") ? dir : dir + "/") + e.name();
                if (e.isDir()) {
                    todo.push(child);
                } else {
                    files++;
                    bytes += meta.stat(child).size();
                }
            }
        }
        return new Usage(files, dirs, bytes);
    }

    /** Lease renewals that succeeded so far (for tests and diagnostics). */
    long leaseRenewals() {
        return leases.renewals();
    }

    /** Closes the client; streams still open fail on their next metadata call. */
    @Override
    public void close() {
        leases.close();
        data.close();
        meta.close();
    }
}
