package io.boomfs.client;

import io.boomfs.paxos.kv.KvClient;
import io.boomfs.paxos.kv.KvException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The namespace operations of BoomFS over one metadata shard (issue 6; the ops are those of
 * metadata-shard/DESIGN.md). Paths are absolute, {@code /}-separated strings; they are checked
 * here (see {@link #names}) and again by the shard. Every failure is a {@link FsException} with
 * the shard's code ({@code NOT_FOUND}, {@code EXISTS}, ...). Writes go through the shard's log
 * with exactly-once sessions; reads are linearizable (the leader's lease, or the log).
 *
 * <p>One instance is one session (one client id, {@link #holder()}: the holder of the write
 * leases of the files it creates): its calls run one at a time, in order; calls from several
 * threads queue behind each other (the lease renewal of {@link BoomFileSystem} does that). Use
 * several instances for concurrency.
 */
public final class MetaClient implements FileMeta, AutoCloseable {
    /** A failure the shard (or this client) reports, with its code and a message for people. */
    public static class FsException extends RuntimeException {
        private final String code;

        public FsException(String code, String message) {
            super(message);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /** What {@link #stat} tells. */
    public record Stat(long id, boolean isDir, long size, long mtimeMs, long replication, String owner, long mode) {
    }

    /** One name of a directory. */
    public record Entry(String name, long id, boolean isDir) {
    }

    private static final int PAGE = 1000;
    /** Directories a client remembers the ids of (DirCache). */
    private static final int DIR_CACHE = 10_000;
    private static final java.util.function.Predicate<List<?>> NOT_A_DIR = r -> false;
    private final DirCache dirs = new DirCache(DIR_CACHE);
    private final KvClient client;
    private final KvClient.Session session;
    private final String owner;
    private final long timeoutMs;

    private MetaClient(KvClient client, String owner, long timeoutMs) {
        this.client = client;
        this.session = client.newSession();
        this.owner = owner;
        this.timeoutMs = timeoutMs;
    }

    /** A client of the shard whose replicas are {@code replicas} (HOST:PORT each), as user {@code owner}. */
    public static MetaClient open(List<String> replicas, String owner, long timeoutMs) {
        return new MetaClient(KvClient.builder(replicas).deadlineMs(timeoutMs).open(), owner, timeoutMs);
    }

    /**
     * A client of the shard over a {@link KvClient} set up by the caller (its bind address, a
     * shared media driver, its deadline); this client is one session of it and closing this
     * closes it.
     */
    public static MetaClient over(KvClient client, String owner, long timeoutMs) {
        return new MetaClient(client, owner, timeoutMs);
    }

    /**
     * The names of an absolute path: {@code "/"} is the root (no names); a name is not empty,
     * not {@code .} or {@code ..}, and holds no NUL. A trailing {@code /} is allowed.
     *
     * @throws FsException INVALID_PATH with the reason
     */
    public static List<String> names(String path) {
        if (path == null || !path.startsWith("/")) {
            throw new FsException("INVALID_PATH", path + ": not an absolute path");
        }
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        List<String> out = new ArrayList<>();
        if (p.equals("/")) {
            return out;
        }
        for (String n : p.substring(1).split("/", -1)) {
            if (n.isEmpty()) {
                throw new FsException("INVALID_PATH", path + ": empty name");
            }
            if (n.equals(".") || n.equals("..")) {
                throw new FsException("INVALID_PATH", path + ": '" + n + "' is not a name (paths are normalized)");
            }
            if (n.indexOf('\0') >= 0) {
                throw new FsException("INVALID_PATH", path + ": a name holds no NUL");
            }
            out.add(n);
        }
        return out;
    }

    /** Creates the directory and any missing parents; returns its id. */
    public long mkdirs(String path) {
        return (Long) onPath(true, path, r -> true, "mkdirs", 493L, owner, System.currentTimeMillis()).get(1);
    }

    /** This session's client id: the holder of the write leases of the files it creates. */
    public String holder() {
        return session.clientId();
    }

    /**
     * Creates a file open for writing by {@link #holder()} (replacing one when {@code overwrite});
     * returns its id. The leader stamps the lease time (NowMs is sent as null).
     */
    public long create(String path, boolean overwrite, long replication, long chunkSize, long mode) {
        return (Long) onPath(true, path, NOT_A_DIR, "create", overwrite, replication, chunkSize, holder(), mode, owner,
            System.currentTimeMillis(), null).get(1);
    }

    /** Creates a file open for writing with 3 replicas, 64 MiB chunks and mode 0644; returns its id. */
    public long create(String path, boolean overwrite) {
        return create(path, overwrite, 3, 64L << 20, 420);
    }

    /** Changes the attributes that are not null; a directory has no replication (it is ignored there). */
    public void setattr(String path, Long mode, String owner, Long mtimeMs, Long replication) {
        onPath(true, path, NOT_A_DIR, "setattr", mode, owner, mtimeMs, replication);
    }

    /**
     * Starts the lease of {@code holder} (over all its open files) again. (DESIGN.md says the
     * result counts the files; the shard answers {@code ["ok", true]}: only "ok" is relied on.)
     */
    public void renew(String holder) {
        ok(write(Arrays.asList("renew", holder, null)), holder);
    }

    @Override
    public Placement addChunk(long fileId, String holder, Commit commit, Long abandon, List<String> exclude) {
        List<?> r = ok(write(Arrays.asList("add_chunk", fileId, holder, commitValue(commit), abandon, List.copyOf(exclude), null,
            null)), "file " + fileId);
        return new Placement((Long) r.get(1), (Long) r.get(2), strings(r.get(3)));
    }

    @Override
    public long complete(long fileId, String holder, Commit commit, long mtimeMs) {
        return (Long) ok(write(Arrays.asList("complete", fileId, holder, commitValue(commit), mtimeMs, null)), "file " + fileId)
            .get(1);
    }

    @Override
    public OpenPage open(String path, long fromIdx, long limit) {
        List<?> r = onPath(false, path, NOT_A_DIR, "open", fromIdx, limit);
        List<Chunk> chunks = new ArrayList<>();
        for (Object o : (List<?>) r.get(5)) {
            List<?> c = (List<?>) o;
            chunks.add(new Chunk((Long) c.get(0), (Long) c.get(1), (Long) c.get(2), strings(c.get(3))));
        }
        return new OpenPage((Long) r.get(1), (Long) r.get(2), (String) r.get(3), (Long) r.get(4), chunks, (Boolean) r.get(6));
    }

    private static List<Long> commitValue(Commit c) {
        return c == null ? null : List.of(c.chunkId(), c.length());
    }

    private static List<String> strings(Object list) {
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) list) {
            out.add((String) o);
        }
        return out;
    }

    public Stat stat(String path) {
        List<?> r = onPath(false, path, s -> Boolean.TRUE.equals(s.get(2)), "stat");
        return new Stat((Long) r.get(1), (Boolean) r.get(2), (Long) r.get(3), (Long) r.get(4), (Long) r.get(5),
            (String) r.get(6), (Long) r.get(7));
    }

    /** The names of a directory in name order, fetched a page at a time as the iterator goes. */
    public Iterator<Entry> list(String path) {
        names(path);
        return new Iterator<>() {
            private List<?> page = List.of();
            private int at;
            private boolean more = true;
            private String after;

            @Override
            public boolean hasNext() {
                if (at < page.size()) {
                    return true;
                }
                if (!more) {
                    return false;
                }
                List<?> r = onPath(false, path, NOT_A_DIR, "list", after, (long) PAGE);
                page = (List<?>) r.get(1);
                more = (Boolean) r.get(2);
                at = 0;
                return !page.isEmpty();
            }

            @Override
            public Entry next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                List<?> e = (List<?>) page.get(at++);
                after = (String) e.get(0);
                return new Entry(after, (Long) e.get(1), (Boolean) e.get(2));
            }
        };
    }

    public void delete(String path, boolean recursive) {
        onPath(true, path, NOT_A_DIR, "delete", recursive);
    }

    public void rename(String src, String dst) {
        onPath(true, src, NOT_A_DIR, "rename", dirs.hinted(names(dst)));
    }

    /**
     * Sends op {@code kind} with {@code path}, hinted with what the cache knows, as its field 1
     * and {@code fields} after it, and returns its result or throws the shard's error. {@code namesADir} says of a result whether the path is a
     * directory (its id the result's second element) for the cache to remember.
     */
    private List<?> onPath(boolean write, String path, java.util.function.Predicate<List<?>> namesADir, String kind,
                           Object... fields) {
        List<String> names = names(path);
        List<Object> op = new ArrayList<>(fields.length + 2);
        op.add(kind);
        op.add(dirs.hinted(names));
        op.addAll(Arrays.asList(fields));
        List<Object> sent = java.util.Collections.unmodifiableList(op);
        return ok(dirs.learn(names, write ? write(sent) : read(sent), namesADir), path);
    }

    private Object write(List<?> op) {
        return await(session.submitAsync(op));
    }

    private Object read(List<?> op) {
        return await(session.readAsync(op));
    }

    private Object await(java.util.concurrent.CompletableFuture<Object> f) {
        try {
            return f.get(timeoutMs + 1_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof KvException.Timeout t) {
                throw new FsException("TIMEOUT", t.getMessage());
            }
            throw new FsException("UNAVAILABLE", String.valueOf(c.getMessage()));
        } catch (TimeoutException e) {
            throw new FsException("TIMEOUT", "no answer within " + timeoutMs + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FsException("INTERRUPTED", "interrupted");
        }
    }

    /** Its cache of directory ids (for tests). */
    DirCache dirCache() {
        return dirs;
    }

    /** The result if it is list("ok", ...); else the shard's error as an exception. */
    private static List<?> ok(Object result, String path) {
        if (result instanceof List<?> r && !r.isEmpty() && "ok".equals(r.get(0))) {
            return r;
        }
        if (result instanceof List<?> r && r.size() >= 3 && "error".equals(r.get(0))) {
            throw new FsException(String.valueOf(r.get(1)), String.valueOf(r.get(2)));
        }
        throw new FsException("PROTOCOL", path + ": the shard answered " + result);
    }

    @Override
    public void close() {
        client.close();
    }
}
