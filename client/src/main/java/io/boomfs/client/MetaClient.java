package io.boomfs.client;

import io.boomfs.engine.runtime.AeronHost;
import io.boomfs.engine.runtime.Pause;
import io.boomfs.meta.Router;
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
 * The namespace operations of BoomFS over its metadata shard groups (issues 6 and 8; the ops are
 * those of metadata-shard/DESIGN.md): each op goes where a {@link Router} says (the group of the
 * path's deepest known directory, following redirects, WRONG_SHARD and the results of cross-shard
 * transactions). Paths are absolute, {@code /}-separated strings; they are checked
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
    /**
     * With {@code -Dboomfs.client.trace=true}, every call to a group is printed to stderr with its
     * time, group, op, answer and latency: what a client waited for (a profiling aid, off by default).
     */
    private static final boolean TRACE = Boolean.getBoolean("boomfs.client.trace");
    /** Directories a client remembers the ids of (the Router's cache). */
    private static final int DIR_CACHE = 10_000;
    /** The vparts of a cluster whose count the caller does not say (the topology's default). */
    public static final long DEFAULT_VPARTS = 256;
    private final Router router;
    private final List<KvClient> clients;
    private final List<KvClient.Session> sessions;
    private final AeronHost host;
    private String owner;
    private final long timeoutMs;
    /** The user every op is sent as, with its secret (DESIGN.md, "Users and permissions"); null: none. */
    private volatile String user;
    private volatile String secret;

    private MetaClient(List<KvClient> clients, AeronHost host, long vparts, String owner, long timeoutMs) {
        this.clients = List.copyOf(clients);
        this.sessions = clients.stream().map(KvClient::newSession).toList();
        this.host = host;
        this.router = new Router(clients.size(), vparts, DIR_CACHE);
        this.owner = owner;
        this.timeoutMs = timeoutMs;
    }

    /** A client of the shard whose replicas are {@code replicas} (HOST:PORT each), as user {@code owner}. */
    public static MetaClient open(List<String> replicas, String owner, long timeoutMs) {
        return new MetaClient(List.of(KvClient.builder(replicas).deadlineMs(timeoutMs).open()), null, DEFAULT_VPARTS, owner,
            timeoutMs);
    }

    /**
     * A client of a cluster of shard groups ({@code groups}: each group's replicas, HOST:PORT
     * each, in group order) with {@code vparts} virtual partitions, as user {@code owner}.
     */
    public static MetaClient open(List<List<String>> groups, long vparts, String owner, long timeoutMs) {
        if (groups.size() == 1) {
            return new MetaClient(List.of(KvClient.builder(groups.get(0)).deadlineMs(timeoutMs).open()), null, vparts, owner,
                timeoutMs);
        }
        AeronHost host = AeronHost.embedded(line -> { }, false);
        List<KvClient> clients = new ArrayList<>();
        try {
            for (List<String> g : groups) {
                clients.add(KvClient.builder(g).deadlineMs(timeoutMs).aeronHost(host).open());
            }
        } catch (RuntimeException e) {
            clients.forEach(KvClient::close);
            host.close();
            throw e;
        }
        return new MetaClient(clients, host, vparts, owner, timeoutMs);
    }

    /**
     * A client of the shard over a {@link KvClient} set up by the caller (its bind address, a
     * shared media driver, its deadline); this client is one session of it and closing this
     * closes it.
     */
    public static MetaClient over(KvClient client, String owner, long timeoutMs) {
        return new MetaClient(List.of(client), null, DEFAULT_VPARTS, owner, timeoutMs);
    }

    /**
     * A client of a cluster of shard groups over {@link KvClient}s set up by the caller, one per
     * group in group order (their bind address, a shared media driver, their deadlines), with
     * {@code vparts} virtual partitions; closing this closes them.
     */
    public static MetaClient over(List<KvClient> groups, long vparts, String owner, long timeoutMs) {
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("no shard group to reach");
        }
        return new MetaClient(groups, null, vparts, owner, timeoutMs);
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
        return (Long) onPath(path, "mkdirs", 493L, owner, System.currentTimeMillis()).get(1);
    }

    /** This session's client id: the holder of the write leases of the files it creates. */
    public String holder() {
        return sessions.get(0).clientId();
    }

    /**
     * Creates a file open for writing by {@link #holder()} (replacing one when {@code overwrite});
     * returns its id. The leader stamps the lease time (NowMs is sent as null).
     */
    public long create(String path, boolean overwrite, long replication, long chunkSize, long mode) {
        return (Long) onPath(path, "create", overwrite, replication, chunkSize, holder(), mode, owner,
            System.currentTimeMillis(), null).get(1);
    }

    /** Creates a file open for writing with 3 replicas, 64 MiB chunks and mode 0644; returns its id. */
    public long create(String path, boolean overwrite) {
        return create(path, overwrite, 3, 64L << 20, 420);
    }

    /** Changes the attributes that are not null; a directory has no replication (it is ignored there). */
    public void setattr(String path, Long mode, String owner, Long mtimeMs, Long replication) {
        onPath(path, "setattr", mode, owner, mtimeMs, replication);
    }

    /**
     * Starts the lease of {@code holder} (over all its open files) again. (DESIGN.md says the
     * result counts the files; the shard answers {@code ["ok", true]}: only "ok" is relied on.)
     */
    public void renew(String holder) {
        // Leases are kept per group: a writer renews at every group (its files may be in any).
        for (int g = 0; g < sessions.size(); g++) {
            ok(drive(Arrays.asList("renew", holder, null), g), holder);
        }
    }

    @Override
    public Placement addChunk(long fileId, String holder, Commit commit, Long abandon, List<String> exclude) {
        List<?> r = ok(drive(Arrays.asList("add_chunk", fileId, holder, commitValue(commit), abandon, List.copyOf(exclude), null,
            null), 0), "file " + fileId);
        // A cluster with a key adds the chunk's write token (datanode/DATANODE.md, "Chunk tokens").
        return new Placement((Long) r.get(1), (Long) r.get(2), strings(r.get(3)), token(r, 4));
    }

    @Override
    public long complete(long fileId, String holder, Commit commit, long mtimeMs) {
        return (Long) ok(drive(Arrays.asList("complete", fileId, holder, commitValue(commit), mtimeMs, null), 0), "file " + fileId)
            .get(1);
    }

    @Override
    public OpenPage open(String path, long fromIdx, long limit) {
        List<?> r = onPath(path, "open", fromIdx, limit);
        List<Chunk> chunks = new ArrayList<>();
        for (Object o : (List<?>) r.get(5)) {
            List<?> c = (List<?>) o;
            chunks.add(new Chunk((Long) c.get(0), (Long) c.get(1), (Long) c.get(2), strings(c.get(3)), token(c, 4)));
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
        List<?> r = onPath(path, "stat");
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
                List<?> r = onPath(path, "list", after, (long) PAGE);
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
        onPath(path, "delete", recursive);
    }

    public void rename(String src, String dst) {
        onPath(src, "rename", names(dst));
    }

    /**
     * Runs op {@code kind} with {@code path} as its field 1 and {@code fields} after it, and
     * returns its result or throws the shard's error.
     */
    private List<?> onPath(String path, String kind, Object... fields) {
        List<Object> op = new ArrayList<>(fields.length + 2);
        op.add(kind);
        op.add(names(path));
        op.addAll(Arrays.asList(fields));
        return ok(drive(op, 0), path);
    }

    /**
     * Sends an op that names no path ({@code map}, {@code load}, {@code mv_begin},
     * {@code mv_status}: metadata-shard/DESIGN.md) to group {@code group}; its answer as it is.
     */
    public Object operate(List<Object> op, int group) {
        if (group < 0 || group >= sessions.size()) {
            throw new FsException("INVALID_OP", "no group " + group + " (the cluster has " + sessions.size() + ")");
        }
        return drive(op, group);
    }

    /** How many shard groups this client reaches. */
    public int groups() {
        return sessions.size();
    }

    /**
     * From now on, sends every op as {@code user}, proven by {@code secret} (the part after the
     * ':' of the user's token; null on a cluster without sm.auth, where the shard believes the
     * name), and makes new files and directories {@code user}'s. Without it, ops carry no user:
     * a superuser's on a cluster without sm.auth, refused (UNAUTHENTICATED) on one with it.
     */
    public MetaClient as(String user, String secret) {
        if (user == null || user.isEmpty() || user.indexOf(':') >= 0) {
            throw new FsException("INVALID_OP", "a user name is not empty and holds no ':', not " + user);
        }
        this.user = user;
        this.secret = secret;
        this.owner = user;
        return this;
    }

    /** The user ops are sent as, or null. */
    public String user() {
        return user;
    }

    private List<?> sealed(List<Object> op) {
        String u = user;
        return u == null ? op : io.boomfs.meta.Access.envelope(u, secret, op);
    }

    /** Drives {@code op} to its result: the calls the router asks for, each to its group. */
    private Object drive(List<Object> op, int group) {
        Router.Call c = router.begin(op, group);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!c.done()) {
            if (c.delayMs() > 0) {
                if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(c.delayMs()) > deadline) {
                    throw new FsException("TIMEOUT", "no result within " + timeoutMs + " ms (the last answer asked to try again)");
                }
                Pause.millis(c.delayMs());
            }
            KvClient.Session s = sessions.get(c.group());
            List<?> sent = sealed(c.op());
            long t0 = TRACE ? System.nanoTime() : 0;
            KvClient.Stats k0 = TRACE ? clients.get(c.group()).stats() : null;
            Object answer = await(c.read() ? s.readAsync(sent) : s.submitAsync(sent));
            if (TRACE) {
                String a = String.valueOf(answer);
                KvClient.Stats k1 = clients.get(c.group()).stats();
                System.err.printf("%s client trace: group %d %s %s -> %s (%.1f ms; the group's client meanwhile: %d sends, %d retries,"
                    + " %d redirects)%n", java.time.LocalTime.now(), c.group(), c.read() ? "read" : "write", c.op().get(0),
                    a.length() > 160 ? a.substring(0, 160) + "..." : a, (System.nanoTime() - t0) / 1e6, k1.sends() - k0.sends(),
                    k1.retries() - k0.retries(), k1.redirects() - k0.redirects());
            }
            c = router.next(c, answer);
        }
        return c.result();
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

    /** Its router: the cache of directory ids and what it learnt of the map (for tests). */
    Router router() {
        return router;
    }

    /** The chunk token at {@code index} of an answer, "" when the cluster gives none. */
    private static String token(List<?> answer, int index) {
        return answer.size() > index && answer.get(index) instanceof String t ? t : "";
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
        clients.forEach(KvClient::close);
        if (host != null) {
            host.close();
        }
    }
}
