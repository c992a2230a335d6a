package io.boomfs.paxos.kv;

import io.boomfs.engine.Tuple;
import io.boomfs.engine.Values;
import io.boomfs.engine.runtime.AeronHost;
import io.boomfs.engine.runtime.AeronTransport;
import io.boomfs.engine.runtime.FreePorts;
import io.boomfs.engine.runtime.Schemas;
import io.boomfs.paxos.ReplicatedLog;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A client of the replicated key-value store ({@code kv.olg} on the Multi-Paxos log), speaking
 * the group's client protocol ({@code request}/{@code response}, {@code read}/
 * {@code read_response}, {@code not_leader}; {@link ReplicatedLog#compileClientProtocol()}) over
 * Aeron with the engine's frame codec. It listens on an endpoint of its own, {@code HOST:PORT},
 * which is also its address: the replicas answer there.
 *
 * <p><b>Sessions.</b> Each {@link Session} is one client id of the protocol: it has at most one
 * operation outstanding and numbers its writes 1, 2, 3...; an operation submitted while another
 * is outstanding waits for it, so a session's operations take effect in submission order. A load
 * generator pipelines with many sessions. Client ids are random per client, so that a restarted
 * client never reuses a number the replicas have seen.
 *
 * <p><b>Leader discovery and retries.</b> An operation goes to the replica believed to lead (the
 * last one that answered or was named by a {@code not_leader}), or to every replica when none is
 * known. A {@code not_leader} naming another replica redirects it there at once. Without an
 * answer for the retry timeout it is sent again, with the same (ClientId, Seq): the replicas
 * apply a write once however many copies arrive. The timeout follows the group's answer times
 * ({@link RetryClock}: the retry interval at least, 2 s at most). When a leader answered any
 * operation within that timeout the group is working, only slow: the copy goes to the leader alone
 * and the next waits twice as long. When none did, the copy goes to the leader alone, then (half
 * a retry interval later, unanswered) to every replica, and again every half retry interval (a
 * group without a leader elects one within a few hundred milliseconds). After the deadline
 * (counted from when it is first sent: an operation waiting behind another of its session has
 * not started) it fails with {@link KvException.Timeout}, naming the replicas tried; its outcome
 * is then unknown.
 *
 * <p><b>Reads.</b> {@code get} is a linearizable read: a {@code read}, which the leader serves
 * under its lease or through the log; it changes nothing, so its retries need no number of
 * their own beyond the read's id.
 *
 * <p><b>Threads.</b> Thread-safe. The client has one thread of its own that sends, receives,
 * retries and completes the futures; it backs off into short parks when idle (it yields with
 * {@link Builder#lowLatency}). Callbacks on the futures run on that thread: keep them short, and
 * use the asynchronous methods there (a blocking call from that thread would wait forever, so it
 * throws {@link IllegalStateException}).
 */
public final class KvClient implements AutoCloseable {
    /** Counters since the client opened. */
    public record Stats(long completed, long sends, long retries, long redirects, long timeouts) {
    }

    private final List<String> replicas;
    private final String address;
    private final long retryNs;
    private final RetryClock retryClock;
    /** When a leader last answered an operation (a response or a read response; not a not_leader). */
    private long lastAnswerNs = Long.MIN_VALUE / 2;
    /** The most a retry timeout grows to (answer times and backing off). */
    static final long MAX_RETRY_MS = 2_000;
    private final long deadlineNs;
    private final long opMaxBytes;
    private final AeronHost host;
    private final boolean ownsHost;
    private final AeronTransport transport;
    private final AgentRunner runner;
    private final String idPrefix;
    private final AtomicLong sessionCount = new AtomicLong();
    private final ConcurrentLinkedQueue<Op> submitted = new ConcurrentLinkedQueue<>();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong sends = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong redirects = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private volatile String leader;
    private volatile Thread clientThread;
    private volatile boolean closed;
    private volatile boolean drained;
    private Session defaultSession;

    // Owned by the client's thread.
    private final Map<String, Session> sessions = new HashMap<>();
    private final List<Session> busy = new ArrayList<>();
    private final Map<String, List<Tuple>> outbox = new HashMap<>();
    private long nextScanNs;

    /** How a client is set up; {@link #open()} starts it. */
    public static final class Builder {
        private final List<String> replicas;
        private String bindHost = "127.0.0.1";
        private int port;
        private long retryMs = 100;
        private long deadlineMs = 10_000;
        private long opMaxBytes = 2_000;
        private boolean lowLatency;
        private AeronHost host;
        private String aeronDir;
        private Consumer<String> log = line -> System.err.println("kv-client: " + line);

        private Builder(List<String> replicas) {
            if (replicas.isEmpty()) {
                throw new IllegalArgumentException("a client needs the replicas' addresses (HOST:PORT)");
            }
            this.replicas = List.copyOf(replicas);
        }

        /** The host the client listens on (default 127.0.0.1): the replicas must reach it there. */
        public Builder bindHost(String h) {
            this.bindHost = Objects.requireNonNull(h);
            return this;
        }

        /** The UDP port the client listens on; 0 (the default) picks a free one. */
        public Builder port(int p) {
            this.port = p;
            return this;
        }

        /**
         * The shortest time an operation waits for an answer before it is sent again (default 100
         * ms; longer when the group's answers take longer), and twice the interval of the copies
         * sent to every replica while no leader answers.
         */
        public Builder retryMs(long ms) {
            this.retryMs = positive("retryMs", ms);
            return this;
        }

        /** How long an operation may take in all before it fails (default 10 s): long enough to ride out failovers. */
        public Builder deadlineMs(long ms) {
            this.deadlineMs = positive("deadlineMs", ms);
            return this;
        }

        /**
         * The largest op the client sends, in estimated wire bytes (default 2,000: the group's
         * default {@code op_max_bytes}, which bounds what one slot's frame must carry). A larger
         * op is refused at once with the reason; keep it at most the group's setting.
         */
        public Builder opMaxBytes(long bytes) {
            this.opMaxBytes = positive("opMaxBytes", bytes);
            return this;
        }

        /** The client's thread (and its own media driver's) yields instead of parking: lower latency, a busy core. */
        public Builder lowLatency(boolean b) {
            this.lowLatency = b;
            return this;
        }

        /** Shares this process's Aeron (an embedded driver of other nodes); by default the client has its own. */
        public Builder aeronHost(AeronHost h) {
            this.host = h;
            return this;
        }

        /**
         * Connects to the media driver this host's processes share (its directory), instead of
         * starting one of the client's own: one driver thread less on a machine with few cores.
         */
        public Builder aeronDir(String dir) {
            this.aeronDir = dir;
            return this;
        }

        /** Where the transport's rare diagnostics go (refused frames, lost publications); default stderr. */
        public Builder log(Consumer<String> l) {
            this.log = Objects.requireNonNull(l);
            return this;
        }

        /**
         * Starts the client: its endpoint and its thread.
         *
         * @throws AeronTransport.EndpointException the port cannot be bound
         */
        public KvClient open() {
            return new KvClient(this);
        }

        private static long positive(String what, long v) {
            if (v <= 0) {
                throw new IllegalArgumentException(what + " must be positive, not " + v);
            }
            return v;
        }
    }

    public static Builder builder(List<String> replicas) {
        return new Builder(replicas);
    }

    private KvClient(Builder b) {
        this.replicas = b.replicas;
        this.retryNs = TimeUnit.MILLISECONDS.toNanos(b.retryMs);
        this.retryClock = new RetryClock(retryNs, TimeUnit.MILLISECONDS.toNanos(Math.max(b.retryMs, MAX_RETRY_MS)));
        this.deadlineNs = TimeUnit.MILLISECONDS.toNanos(b.deadlineMs);
        this.opMaxBytes = b.opMaxBytes;
        this.ownsHost = b.host == null;
        this.host = !ownsHost ? b.host
            : b.aeronDir != null ? AeronHost.external(b.aeronDir, b.log) : AeronHost.embedded(b.log, b.lowLatency);
        this.idPrefix = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
        AeronTransport t = null;
        try {
            t = bind(b);
        } finally {
            if (t == null && ownsHost) {
                host.close();
            }
        }
        this.transport = t;
        this.address = t.address();
        IdleStrategy idle = b.lowLatency
            ? new YieldingIdleStrategy()
            : new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1));
        this.runner = new AgentRunner(idle, e -> b.log.accept("client thread: " + e), null, new ClientAgent());
        AgentRunner.startOnThread(runner, r -> new Thread(r, "kv-client-" + address));
    }

    /** Binds the requested port, or a free one (picked, then bound: another process may win the race, so try again). */
    private AeronTransport bind(Builder b) {
        Schemas schemas = new Schemas(ClientProtocol.PROGRAM);
        for (int attempt = 1; ; attempt++) {
            String endpoint = b.bindHost + ":" + (b.port != 0 ? b.port : FreePorts.on(inet(b.bindHost)));
            try {
                return new AeronTransport(host, endpoint, endpoint, Map.of(), schemas, 4096, b.log);
            } catch (AeronTransport.EndpointException e) {
                if (b.port != 0 || attempt >= 5) {
                    throw e;
                }
            }
        }
    }

    private static InetAddress inet(String host) {
        try {
            return InetAddress.getByName(host);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve " + host + ": " + e.getMessage(), e);
        }
    }

    /** Compiled once per JVM. */
    private static final class ClientProtocol {
        static final io.boomfs.engine.program.Program PROGRAM = ReplicatedLog.compileClientProtocol();
    }

    /** This client's address and endpoint, HOST:PORT. */
    public String address() {
        return address;
    }

    public List<String> replicas() {
        return replicas;
    }

    /** The replica this client believes leads (the last to answer, or named by a not_leader), or null. */
    public String leader() {
        return leader;
    }

    public Stats stats() {
        return new Stats(completed.get(), sends.get(), retries.get(), redirects.get(), timeouts.get());
    }

    /** A new session: a client id of its own, with at most one operation outstanding. */
    public Session newSession() {
        return new Session(idPrefix + "-" + sessionCount.incrementAndGet());
    }

    private synchronized Session defaultSession() {
        if (defaultSession == null) {
            defaultSession = newSession();
        }
        return defaultSession;
    }

    /** {@code put} on the client's default session (its operations run one at a time). */
    public void put(String key, Object value) {
        defaultSession().put(key, value);
    }

    /** {@code get} on the client's default session. */
    public Object get(String key) {
        return defaultSession().get(key);
    }

    /** {@code cas} on the client's default session. */
    public boolean cas(String key, Object expected, Object value) {
        return defaultSession().cas(key, expected, value);
    }

    /** {@code delete} on the client's default session. */
    public boolean delete(String key) {
        return defaultSession().delete(key);
    }

    /**
     * One client id of the protocol. Its operations run one at a time, in the order they were
     * submitted; thread-safe. The futures complete on the client's thread (see {@link KvClient}).
     */
    public final class Session {
        private final String clientId;
        // Owned by the client's thread.
        private long seq;
        private long readId;
        private Op current;
        private final ArrayDeque<Op> backlog = new ArrayDeque<>();

        private Session(String clientId) {
            this.clientId = clientId;
        }

        public String clientId() {
            return clientId;
        }

        /** Writes {@code value} under {@code key}. */
        public CompletableFuture<Void> putAsync(String key, Object value) {
            return submit(false, op("put", key, value), "put " + key).thenApply(r -> {
                if (!"ok".equals(r)) {
                    throw new KvException("put " + key + ": the store answered " + r);
                }
                return null;
            });
        }

        /** The value under {@code key}, or null; a linearizable read. */
        public CompletableFuture<Object> getAsync(String key) {
            return submit(true, op("get", key), "get " + key);
        }

        /** Sets {@code key} to {@code value} when it holds {@code expected} (null: when it is absent); true when it did. */
        public CompletableFuture<Boolean> casAsync(String key, Object expected, Object value) {
            return submit(false, op("cas", key, expected, value), "cas " + key).thenApply(r -> bool("cas " + key, r));
        }

        /** Removes {@code key}; true when it was there. */
        public CompletableFuture<Boolean> deleteAsync(String key) {
            return submit(false, op("delete", key), "delete " + key).thenApply(r -> bool("delete " + key, r));
        }

        /** Any operation through the log, applied once (kv ops, or {@code px_replace} for the group); its raw result. */
        public CompletableFuture<Object> submitAsync(List<?> operation) {
            return submit(false, checkedOp(operation), "op " + operation.get(0));
        }

        /** A read-only operation as a linearizable read; its raw result. */
        public CompletableFuture<Object> readAsync(List<?> operation) {
            return submit(true, checkedOp(operation), "read " + operation.get(0));
        }

        public void put(String key, Object value) {
            await(putAsync(key, value));
        }

        public Object get(String key) {
            return await(getAsync(key));
        }

        public boolean cas(String key, Object expected, Object value) {
            return await(casAsync(key, expected, value));
        }

        public boolean delete(String key) {
            return await(deleteAsync(key));
        }

        private CompletableFuture<Object> submit(boolean read, List<Object> body, String what) {
            long bytes = Values.estimatedSize(body);
            if (bytes > opMaxBytes) {
                throw new IllegalArgumentException(what + ": the op takes " + bytes + " bytes on the wire, more than the "
                    + opMaxBytes + " a replica group takes (op_max_bytes)");
            }
            // The estimate is an upper bound: only an op it puts over a frame is encoded to check.
            int encoded = bytes > MAX_OP_FRAME_BYTES ? encodedSize(body) : 0;
            if (encoded > MAX_OP_FRAME_BYTES) {
                // Sent anyway, its frames would be dropped by the transport each time, and the op
                // would time out with its outcome unknown (found by HostileRequestsTest, whose raw
                // client lets ops over op_max_bytes through).
                throw new IllegalArgumentException(what + ": the op takes " + encoded + " bytes encoded, more than one frame carries ("
                    + MAX_OP_FRAME_BYTES + " bytes beside the request's own fields)");
            }
            Op op = new Op(this, read, body, what);
            if (closed) {
                op.future.completeExceptionally(new KvException(what + ": the client is closed"));
                return op.future;
            }
            submitted.add(op);
            if (drained) {
                // close() may have drained the queue before this op joined it: fail what is left.
                failSubmitted();
            }
            return op.future;
        }
    }

    /** One operation of a session, from submission to its answer or deadline. */
    private static final class Op {
        final Session session;
        final boolean read;
        final List<Object> body;
        final String what;
        final CompletableFuture<Object> future = new CompletableFuture<>();
        final LinkedHashSet<String> tried = new LinkedHashSet<>();
        long id;
        long deadlineNs;
        long nextRetryNs;
        long firstSentNs;
        int sends;
        int resends;
        /** A retry went to the leader alone because no answer came lately (see {@link #scan}). */
        boolean leaderAlone;
        String redirectedTo;
        String lastHint;

        Op(Session session, boolean read, List<Object> body, String what) {
            this.session = session;
            this.read = read;
            this.body = body;
            this.what = what;
        }
    }

    private static List<Object> op(Object... parts) {
        // Arrays.asList: a cas expects null for "absent", which List.of refuses.
        List<Object> l = Arrays.asList(parts);
        for (Object p : l) {
            checkValue(p);
        }
        return l;
    }

    /**
     * The most an op may take encoded: a request goes in one frame ({@link AeronHost#MAX_FRAME_BYTES})
     * with its header, relation table, addresses, client id, sequence and trailer (1 KiB of room).
     */
    static final int MAX_OP_FRAME_BYTES = AeronHost.MAX_FRAME_BYTES - 1024;

    private static final ThreadLocal<org.agrona.ExpandableArrayBuffer> SIZING =
        ThreadLocal.withInitial(() -> new org.agrona.ExpandableArrayBuffer(1024));

    /** The op's encoded size (as frames carry it); 0 when it holds a value the codec does not take (refused later, as before). */
    private static int encodedSize(List<Object> body) {
        try {
            return io.boomfs.engine.runtime.ValueCodec.encode(SIZING.get(), 0, body);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static List<Object> checkedOp(List<?> operation) {
        if (operation.isEmpty() || !(operation.get(0) instanceof String)) {
            throw new IllegalArgumentException("an operation is a list whose first element names it, not " + operation);
        }
        return op(operation.toArray());
    }

    /** Only values with a wire form may travel (ValueCodec): refused here, with the reason, rather than lost. */
    private static void checkValue(Object v) {
        if (v == null || v instanceof String || v instanceof Long || v instanceof Double || v instanceof Boolean) {
            return;
        }
        if (v instanceof Collection<?> c) {
            c.forEach(KvClient::checkValue);
            return;
        }
        throw new IllegalArgumentException("a value is a String, Long, Double, Boolean, List, Set or null, not a "
            + v.getClass().getSimpleName() + (v instanceof Integer ? " (use a long: 42L)" : ""));
    }

    private static boolean bool(String what, Object r) {
        if (r instanceof Boolean b) {
            return b;
        }
        throw new KvException(what + ": the store answered " + r);
    }

    private <T> T await(CompletableFuture<T> f) {
        if (Thread.currentThread() == clientThread) {
            throw new IllegalStateException("a blocking call on the client's own thread would wait forever: "
                + "use the asynchronous form in callbacks");
        }
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    // ------------------------------------------------------------------ the client's thread

    /** The duty cycle: new operations, answers, retries and deadlines, then what to send. */
    private final class ClientAgent implements Agent {
        private final Consumer<Tuple> onTuple = KvClient.this::onTuple;

        @Override
        public void onStart() {
            clientThread = Thread.currentThread();
        }

        @Override
        public int doWork() {
            long now = System.nanoTime();
            int work = 0;
            Op op;
            while ((op = submitted.poll()) != null) {
                accept(op, now);
                work++;
            }
            work += transport.poll(onTuple, 256);
            // Retries and deadlines need no finer grain than a millisecond.
            if (now - nextScanNs >= 0) {
                work += scan(now);
                nextScanNs = now + TimeUnit.MILLISECONDS.toNanos(1);
            }
            for (Map.Entry<String, List<Tuple>> e : outbox.entrySet()) {
                if (!e.getValue().isEmpty()) {
                    transport.send(e.getKey(), e.getValue());
                    e.getValue().clear();
                    work++;
                }
            }
            work += transport.flush();
            return work;
        }

        @Override
        public void onClose() {
            transport.close();
        }

        @Override
        public String roleName() {
            return "kv-client-" + address;
        }
    }

    private void accept(Op op, long now) {
        Session s = op.session;
        sessions.putIfAbsent(s.clientId, s);
        if (s.current == null) {
            start(op, now);
        } else {
            s.backlog.addLast(op);
        }
    }

    private void start(Op op, long now) {
        Session s = op.session;
        s.current = op;
        busy.add(s);
        op.id = op.read ? ++s.readId : ++s.seq;
        op.deadlineNs = now + deadlineNs;
        op.firstSentNs = now;
        op.nextRetryNs = now + retryClock.timeoutNs();
        String l = leader;
        if (l == null) {
            broadcast(op);
        } else {
            send(op, l);
        }
    }

    private void send(Op op, String replica) {
        String cid = op.session.clientId;
        outbox.computeIfAbsent(replica, k -> new ArrayList<>())
            .add(new Tuple(op.read ? "read" : "request", replica, address, cid, op.id, op.body));
        op.tried.add(replica);
        op.sends++;
        sends.incrementAndGet();
    }

    private void broadcast(Op op) {
        for (String r : replicas) {
            send(op, r);
        }
    }

    private void onTuple(Tuple t) {
        switch (t.relation()) {
            case "response", "read_response" -> {
                long now = System.nanoTime();
                lastAnswerNs = now;
                Op op = outstanding((String) t.get(2), (Long) t.get(3), t.relation().equals("read_response"));
                if (op != null) {
                    leader = (String) t.get(1);
                    // Writes only: a read may wait at the leader on purpose (a transaction's result).
                    if (!op.read && op.sends == 1) {
                        retryClock.sample(now - op.firstSentNs);
                    }
                    finish(op, t.get(4), null);
                }
            }
            case "not_leader" -> {
                Op op = outstanding((String) t.get(2), (Long) t.get(3), (Boolean) t.get(4));
                if (op != null) {
                    redirect(op, (String) t.get(1), (String) t.get(5));
                }
            }
            default -> {
                // The decoder only lets through what the client protocol declares; a replica sends nothing else.
            }
        }
    }

    /** The session's outstanding operation when the answer is for it; a late copy of an older answer is ignored. */
    private Op outstanding(String clientId, long id, boolean read) {
        Session s = sessions.get(clientId);
        Op op = s == null ? null : s.current;
        return op != null && op.read == read && op.id == id ? op : null;
    }

    /**
     * A replica that does not lead named the one it believes in: go there now, once per hint (two
     * replicas naming each other must not bounce an operation back and forth). Without a usable
     * hint the operation waits for its retry, which goes to every replica.
     */
    private void redirect(Op op, String from, String hint) {
        op.lastHint = hint;
        if (hint == null || hint.equals(from)) {
            if (from.equals(leader)) {
                leader = null;
            }
            return;
        }
        leader = hint;
        if (!hint.equals(op.redirectedTo)) {
            op.redirectedTo = hint;
            redirects.incrementAndGet();
            send(op, hint);
        }
    }

    private int scan(long now) {
        int work = 0;
        for (int i = busy.size() - 1; i >= 0; i--) {
            Op op = busy.get(i).current;
            if (op == null) {
                continue;
            }
            if (now - op.deadlineNs >= 0) {
                timeouts.incrementAndGet();
                finish(op, null, new KvException.Timeout(op.what + ": no answer within "
                    + TimeUnit.NANOSECONDS.toMillis(deadlineNs) + " ms (sent " + op.sends + " times, to "
                    + String.join(", ", op.tried) + "; last leader hint: " + (op.lastHint == null ? "none" : op.lastHint)
                    + "); its outcome is unknown", new ArrayList<>(op.tried)));
                work++;
            } else if (now - op.nextRetryNs >= 0) {
                retries.incrementAndGet();
                op.redirectedTo = null;
                String l = leader;
                if (l != null && now - lastAnswerNs < retryClock.timeoutNs()) {
                    // The group answers others: this one is queued or its copy was lost. One copy
                    // to the leader, and longer to wait each time.
                    op.resends++;
                    op.nextRetryNs = now + retryClock.backedOffNs(op.resends);
                    send(op, l);
                } else if (l != null && !op.leaderAlone) {
                    // Nobody answered lately, which is also what a lone session sees (its last
                    // answer was its previous op's): the leader alone first, every replica half
                    // a retry interval later if that brings nothing. (To every replica at once, a
                    // slow leader's op went out again and again: 8 copies in 240 ms of one create
                    // in bench partition, each copy work for replicas short of CPU already.)
                    op.leaderAlone = true;
                    op.nextRetryNs = now + retryNs / 2;
                    send(op, l);
                } else {
                    // Nobody answered lately: the group is probably electing a leader. Every
                    // replica, twice as often, so that the new leader gets the op soon after it is elected.
                    op.nextRetryNs = now + retryNs / 2;
                    broadcast(op);
                }
                work++;
            }
        }
        return work;
    }

    /** Completes the session's outstanding operation and starts its next one. */
    private void finish(Op op, Object result, RuntimeException failure) {
        Session s = op.session;
        s.current = null;
        busy.remove(s);
        Op next = s.backlog.pollFirst();
        if (next != null) {
            start(next, System.nanoTime());
        }
        if (failure == null) {
            completed.incrementAndGet();
            op.future.complete(result);
        } else {
            op.future.completeExceptionally(failure);
        }
    }

    // ------------------------------------------------------------------ closing

    private void failSubmitted() {
        Op op;
        while ((op = submitted.poll()) != null) {
            op.future.completeExceptionally(new KvException(op.what + ": the client is closed"));
        }
    }

    /**
     * Stops the client's thread and endpoint; operations not answered yet fail with
     * {@link KvException} (their outcome is unknown). Not from the client's own thread.
     */
    @Override
    public void close() {
        if (Thread.currentThread() == clientThread) {
            throw new IllegalStateException("close the client from another thread than its own (not in a callback)");
        }
        if (closed) {
            return;
        }
        closed = true;
        runner.close();
        // The client's thread has stopped: what it owned is this thread's now.
        for (Session s : sessions.values()) {
            if (s.current != null) {
                s.current.future.completeExceptionally(new KvException(s.current.what + ": the client is closed"));
            }
            for (Op op : s.backlog) {
                op.future.completeExceptionally(new KvException(op.what + ": the client is closed"));
            }
        }
        failSubmitted();
        drained = true;
        failSubmitted();
        if (ownsHost) {
            host.close();
        }
    }
}
