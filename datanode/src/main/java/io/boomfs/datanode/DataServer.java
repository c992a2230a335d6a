package io.boomfs.datanode;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A datanode's data-transfer server: serves WRITE (a pipeline stage) and READ requests for the
 * chunks of one {@link ChunkStore} over TCP (DATANODE.md, "The protocol"). One thread per
 * connection, with every limit explicit: at most {@code maxConnections} connections (one more
 * is told BUSY and closed), at most {@code maxTransfers} of them moving data (one more is told
 * BUSY), a request header within {@code requestTimeoutMs}, every later step (a 64 KiB frame, an
 * acknowledgement) within {@code ioTimeoutMs}, one 64 KiB buffer per transfer. A malformed
 * request gets an ERROR reply and its connection is closed; nothing a peer sends can stop the
 * server. Thread-safe.
 */
public final class DataServer implements AutoCloseable {
    /**
     * A server's settings, checked once.
     *
     * @param id               the datanode's name, for logs
     * @param host             the address to listen on
     * @param port             the port to listen on; 0 picks a free one
     * @param maxTransfers     concurrent reads and writes; more are refused with BUSY
     * @param maxConnections   concurrent connections, idle ones included; more are refused with BUSY
     * @param connectTimeoutMs connecting to the next datanode of a pipeline
     * @param requestTimeoutMs receiving a whole request header after the connection opens (slow loris)
     * @param ioTimeoutMs      each later step: a data frame in or out, a reply from the next datanode
     *                         (times the datanodes after it, see {@link WriteLink})
     * @param maxChunkBytes    the longest chunk a WRITE may announce
     * @param tokenKey         the key that signs chunk tokens; when set, every READ and WRITE must
     *                         carry a valid, unexpired {@link ChunkToken} for its chunk and mode, else
     *                         it is refused with ACCESS_DENIED or TOKEN_EXPIRED; null requires none
     */
    public record Config(String id, String host, int port, int maxTransfers, int maxConnections, long connectTimeoutMs,
                         long requestTimeoutMs, long ioTimeoutMs, long maxChunkBytes, ChunkToken.Key tokenKey) {
        /** A day: longer waits are mistakes, and this keeps deadline arithmetic far from overflow. */
        public static final long MAX_TIMEOUT_MS = 86_400_000;

        public Config {
            check(id != null && !id.isBlank(), "a datanode needs an id");
            check(host != null && !host.isBlank(), "a datanode needs a host to listen on");
            check(port >= 0 && port <= 65535, "the port must be 0..65535, not " + port);
            check(maxTransfers >= 1, "max transfers must be at least 1, not " + maxTransfers);
            check(maxConnections >= maxTransfers, "max connections (" + maxConnections + ") must be at least max transfers ("
                + maxTransfers + ")");
            check(Math.min(connectTimeoutMs, Math.min(requestTimeoutMs, ioTimeoutMs)) >= 1
                && Math.max(connectTimeoutMs, Math.max(requestTimeoutMs, ioTimeoutMs)) <= MAX_TIMEOUT_MS,
                "timeouts must be 1.." + MAX_TIMEOUT_MS + " ms");
            // A datanode reports a failure of the one after it within connect + I/O timeout,
            // and its upstream waits two I/O timeouts: that order puts the blame right.
            check(connectTimeoutMs <= ioTimeoutMs, "the connect timeout (" + connectTimeoutMs + " ms) must not exceed the I/O timeout ("
                + ioTimeoutMs + " ms)");
            check(maxChunkBytes >= 0 && maxChunkBytes <= ChunkFormat.MAX_CHUNK_BYTES,
                "the longest chunk must be 0.." + ChunkFormat.MAX_CHUNK_BYTES + " bytes, not " + maxChunkBytes);
        }

        /** The defaults: 16 transfers, 64 connections, 5 s to connect, 10 s for a request, 30 s per step, chunks up to 1 GiB. */
        public static Config of(String id, String host, int port) {
            return new Config(id, host, port, 16, 64, 5_000, 10_000, 30_000, 1L << 30, null);
        }

        public Config withLimits(int transfers, int connections) {
            return new Config(id, host, port, transfers, connections, connectTimeoutMs, requestTimeoutMs, ioTimeoutMs, maxChunkBytes,
                tokenKey);
        }

        public Config withTimeouts(long connectMs, long requestMs, long ioMs) {
            return new Config(id, host, port, maxTransfers, maxConnections, connectMs, requestMs, ioMs, maxChunkBytes, tokenKey);
        }

        public Config withMaxChunkBytes(long bytes) {
            return new Config(id, host, port, maxTransfers, maxConnections, connectTimeoutMs, requestTimeoutMs, ioTimeoutMs, bytes,
                tokenKey);
        }

        /** The same settings, requiring chunk tokens signed with {@code key} (null: requiring none). */
        public Config withTokenKey(ChunkToken.Key key) {
            return new Config(id, host, port, maxTransfers, maxConnections, connectTimeoutMs, requestTimeoutMs, ioTimeoutMs,
                maxChunkBytes, key);
        }

        private static void check(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }

    /** Thrown by {@link #start} when the server cannot listen; the message is one line. */
    public static final class ListenException extends IOException {
        private static final long serialVersionUID = 1L;

        ListenException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Config config;
    private final ChunkStore store;
    private final Consumer<String> log;
    private final LongSupplier clockMs;
    private final ServerSocket serverSocket;
    private final String address;
    private final Watchdog watchdog;
    private final Semaphore transfers;
    private final Set<ServerConnection> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean running = true;
    final Counters counters = new Counters();
    private final Map<String, Long> lastLogMs = new ConcurrentHashMap<>();

    private DataServer(Config config, ChunkStore store, Consumer<String> log, LongSupplier clockMs, ServerSocket serverSocket) {
        this.config = config;
        this.store = store;
        this.log = log;
        this.clockMs = clockMs;
        this.serverSocket = serverSocket;
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        this.address = host + ":" + serverSocket.getLocalPort();
        this.watchdog = new Watchdog("datanode-" + config.id() + "-watchdog", Math.max(10, Math.min(100,
            Math.min(config.requestTimeoutMs(), config.ioTimeoutMs()) / 5)));
        this.transfers = new Semaphore(config.maxTransfers());
        this.acceptor = new Thread(this::acceptLoop, "datanode-" + config.id() + "-accept");
    }

    /**
     * Listens and starts serving {@code store}, which stays the caller's to close (after this
     * server).
     *
     * @throws ListenException the address cannot be bound (in use, not local, unresolvable)
     */
    public static DataServer start(Config config, ChunkStore store, Consumer<String> log) throws ListenException {
        return start(config, store, log, System::currentTimeMillis);
    }

    /**
     * Like {@link #start(Config, ChunkStore, Consumer)}, with chunk tokens' expiry judged by
     * {@code clockMs} (ms since the epoch, as the shard that issues them counts): a test's
     * manual clock.
     */
    static DataServer start(Config config, ChunkStore store, Consumer<String> log, LongSupplier clockMs) throws ListenException {
        String where = config.host() + ":" + config.port();
        InetSocketAddress bindTo = new InetSocketAddress(config.host(), config.port());
        if (bindTo.isUnresolved()) {
            throw new ListenException("cannot listen on " + where + ": cannot resolve host " + config.host(), null);
        }
        ServerSocket ss = null;
        try {
            ss = new ServerSocket();
            // A restarted datanode takes its port back at once, even with connections of its
            // previous run in TIME_WAIT; a port another process listens on is still refused.
            ss.setReuseAddress(true);
            ss.bind(bindTo, 128);
        } catch (IOException e) {
            if (ss != null) {
                try {
                    ss.close();
                } catch (IOException ignored) {
                    // Never bound: nothing to release.
                }
            }
            String why = e instanceof BindException && String.valueOf(e.getMessage()).contains("in use") ? "address already in use"
                : String.valueOf(e.getMessage());
            throw new ListenException("cannot listen on " + where + ": " + why, e);
        }
        DataServer server = new DataServer(config, store, log, clockMs, ss);
        server.acceptor.start();
        return server;
    }

    /** Where the server listens, {@code host:port}: what pipelines and readers name it by. */
    public String address() {
        return address;
    }

    public Config config() {
        return config;
    }

    public ChunkStore store() {
        return store;
    }

    Watchdog watchdog() {
        return watchdog;
    }

    private void acceptLoop() {
        while (running) {
            Socket s;
            try {
                s = serverSocket.accept();
            } catch (IOException e) {
                if (running) {
                    logLimited("accept", "accept failed: " + e.getMessage());
                    // A failing accept (out of file descriptors) would spin: give it a moment.
                    sleepQuietly(50);
                }
                continue;
            }
            counters.connections.incrementAndGet();
            if (connections.size() >= config.maxConnections()) {
                refuse(s);
                continue;
            }
            ServerConnection c = null;
            try {
                c = new ServerConnection(this, Link.accepted(s, watchdog));
                connections.add(c);
                Thread t = new Thread(c, "datanode-" + config.id() + "-conn-" + counters.connections.get());
                t.setDaemon(true);
                t.start();
            } catch (IOException | RuntimeException | OutOfMemoryError e) {
                // No socket streams or no thread (OutOfMemoryError is how a failed thread start
                // shows): this connection cannot be served; the next ones may be.
                logLimited("spawn", "cannot serve a connection: " + e);
                if (c != null) {
                    c.abort();
                    connections.remove(c);
                }
                Link.closeQuietly(s);
            }
        }
    }

    /** One connection too many: a BUSY error frame, then close. Writes a few bytes to a fresh socket, which never blocks. */
    private void refuse(Socket s) {
        error(ErrorCode.BUSY);
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            Protocol.writeError(new DataOutputStream(b), new Protocol.ErrorReply(ErrorCode.BUSY, "", "busy: "
                + config.maxConnections() + " connections open, the limit"));
            OutputStream out = s.getOutputStream();
            out.write(b.toByteArray());
            out.flush();
            s.shutdownOutput();
            // Read what the peer sent already: closing with unread bytes would reset the
            // connection, and the peer could lose the error frame.
            InputStream in = s.getInputStream();
            byte[] skip = new byte[4096];
            while (in.available() > 0 && in.read(skip) > 0) {
                // Discarded.
            }
        } catch (IOException e) {
            // The peer is gone already.
        }
        Link.closeQuietly(s);
    }

    /**
     * Serves one request read from {@code request} exactly as a connection would (the same
     * decoding, checks, limits and counters) and writes the reply to {@code reply}, in the
     * calling thread. What lets a test feed a server hundreds of thousands of hostile requests
     * without a TCP connection and a thread each; a WRITE with a pipeline still dials its
     * downstream datanodes.
     */
    void serveInMemory(InputStream request, OutputStream reply) {
        counters.connections.incrementAndGet();
        ServerConnection c = new ServerConnection(this, Link.inMemory(request, reply, watchdog, "in-memory"));
        connections.add(c);
        c.run();
    }

    /** Now, in ms since the epoch, for tokens' expiry. */
    long nowMs() {
        return clockMs.getAsLong();
    }

    boolean tryStartTransfer() {
        return transfers.tryAcquire();
    }

    void endTransfer() {
        transfers.release();
    }

    void connectionEnded(ServerConnection c) {
        connections.remove(c);
    }

    void error(ErrorCode code) {
        counters.errors.incrementAndGet(code.wire());
    }

    /** Logs at most one line per kind every 10 s: a flood of bad requests must not flood the log. */
    void logLimited(String kind, String line) {
        long now = System.currentTimeMillis();
        Long last = lastLogMs.get(kind);
        if (last == null || now - last >= 10_000) {
            lastLogMs.put(kind, now);
            log.accept(config.id() + ": " + line);
        }
    }

    void log(String line) {
        log.accept(config.id() + ": " + line);
    }

    /** Counters since the start: what {@link #metrics()} reports. */
    static final class Counters {
        final AtomicLong connections = new AtomicLong();
        final AtomicLong writes = new AtomicLong();
        final AtomicLong writesStored = new AtomicLong();
        final AtomicLong reads = new AtomicLong();
        final AtomicLong bytesStored = new AtomicLong();
        final AtomicLong bytesServed = new AtomicLong();
        final AtomicLong timeouts = new AtomicLong();
        final AtomicLongArray errors = new AtomicLongArray(ErrorCode.WIRE_LIMIT);
    }

    /**
     * What the server did since it started.
     *
     * @param timeouts connections closed because a step passed its deadline
     * @param errors   error frames sent, by code (refused connections included)
     */
    public record Metrics(long connections, int openConnections, long writes, long writesStored, long reads, long bytesStored,
                          long bytesServed, long timeouts, Map<ErrorCode, Long> errors, long corruptionsFound) {
        /** One line for a log. */
        public String describe() {
            List<String> e = new ArrayList<>();
            errors.forEach((code, n) -> e.add(code.name().toLowerCase(Locale.ROOT) + "=" + n));
            return "connections " + connections + " (" + openConnections + " open), writes " + writes + " (" + writesStored
                + " stored, " + bytesStored + " bytes), reads " + reads + " (" + bytesServed + " bytes served), timeouts "
                + timeouts + ", errors sent " + (e.isEmpty() ? "none" : String.join(" ", e)) + ", corruptions found "
                + corruptionsFound;
        }
    }

    public Metrics metrics() {
        Map<ErrorCode, Long> errors = new EnumMap<>(ErrorCode.class);
        for (ErrorCode c : ErrorCode.values()) {
            long n = counters.errors.get(c.wire());
            if (n > 0) {
                errors.put(c, n);
            }
        }
        return new Metrics(counters.connections.get(), connections.size(), counters.writes.get(), counters.writesStored.get(),
            counters.reads.get(), counters.bytesStored.get(), counters.bytesServed.get(), counters.timeouts.get(), errors,
            store.corruptionsFound());
    }

    /**
     * Stops accepting, closes every connection (a write in progress is discarded, and its
     * pipeline sees this datanode fail), and waits up to 10 s for their threads to end.
     */
    @Override
    public void close() {
        running = false;
        try {
            serverSocket.close();
        } catch (IOException e) {
            // Closing is all that is asked of it.
        }
        try {
            acceptor.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (ServerConnection c : connections) {
            c.abort();
        }
        long deadline = System.currentTimeMillis() + 10_000;
        while (!connections.isEmpty() && System.currentTimeMillis() < deadline) {
            sleepQuietly(10);
        }
        watchdog.close();
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
