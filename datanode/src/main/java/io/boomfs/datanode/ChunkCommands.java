package io.boomfs.datanode;

import io.boomfs.engine.Tuple;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Runs the shard's commands on the chunks of one datanode: {@code dn_copy} reads a chunk and
 * writes it through the Targets pipeline with a {@link DataClient} (the WRITE protocol takes a
 * datanode as the writer like any client), at most {@link #COPY_THREADS} at a time since each
 * moves a whole chunk; {@code dn_delete} deletes chunks on a thread of its own, so that file
 * deletions never hold the node's thread, which hands the commands over. Both queues are
 * bounded; a command past a bound is dropped with a log line, and so is a copy already queued
 * or running: the shard retries what it does not see done. Every failure is one log line.
 * Thread-safe.
 */
final class ChunkCommands implements AutoCloseable {
    static final int COPY_THREADS = 2;
    /** Copies waiting for a thread, at most. */
    static final int COPY_QUEUE = 64;
    /** dn_delete commands waiting, at most (each may name many chunks). */
    static final int DELETE_QUEUE = 1_024;

    private final ChunkStore store;
    private final DataClient client;
    private final Consumer<String> log;
    private final ThreadPoolExecutor copies;
    private final ThreadPoolExecutor deletes;
    /** A copy's token lasts as long as a copy may (the client's timeouts are far shorter). */
    private static final long COPY_TOKEN_MS = 10 * 60_000;
    /** The copies queued or running, by chunk and pipeline. */
    private final Set<List<Object>> pending = ConcurrentHashMap.newKeySet();
    private final AtomicLong copied = new AtomicLong();
    private final AtomicLong copyFailures = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong deleted = new AtomicLong();

    /** Copies write with a token of their own (the datanodes' key), or none: null. */
    private final ChunkToken.Key tokenKey;

    ChunkCommands(ChunkStore store, DataClient.Config clientConfig, ChunkToken.Key tokenKey, Consumer<String> log) {
        this.store = store;
        this.tokenKey = tokenKey;
        this.client = new DataClient(clientConfig);
        this.log = log;
        this.copies = pool("dn-copy", COPY_THREADS, COPY_QUEUE);
        this.deletes = pool("dn-delete", 1, DELETE_QUEUE);
    }

    private static ThreadPoolExecutor pool(String name, int threads, int queue) {
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queue), r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** {@code dn_copy(@Dn, Replica, Chunk, Len, Targets)}: queues the copy, or drops it. */
    void copy(Tuple cmd) {
        String from = (String) cmd.get(1);
        long chunk = (Long) cmd.get(2);
        long length = (Long) cmd.get(3);
        List<String> targets = addresses(cmd.get(4));
        if (targets == null) {
            log.accept("dn_copy of chunk " + ChunkFormat.hex(chunk) + " from " + from + " ignored: Targets is not a list of"
                + " addresses: " + cmd.get(4));
            return;
        }
        List<Object> key = List.of(chunk, targets);
        if (!pending.add(key)) {
            return;
        }
        try {
            copies.execute(() -> {
                try {
                    runCopy(chunk, length, targets);
                } finally {
                    pending.remove(key);
                }
            });
        } catch (RejectedExecutionException e) {
            pending.remove(key);
            dropped.incrementAndGet();
            log.accept("dn_copy of chunk " + ChunkFormat.hex(chunk) + " from " + from + " dropped: " + COPY_QUEUE
                + " copies are waiting already (the shard retries)");
        }
    }

    private static List<String> addresses(Object v) {
        if (!(v instanceof List<?> l) || l.isEmpty()) {
            return null;
        }
        List<String> out = new ArrayList<>(l.size());
        for (Object o : l) {
            if (!(o instanceof String s)) {
                return null;
            }
            out.add(s);
        }
        return List.copyOf(out);
    }

    private void runCopy(long chunk, long length, List<String> targets) {
        String what = "copy of chunk " + ChunkFormat.hex(chunk) + " to " + String.join(",", targets);
        try (ChunkReader r = store.open(chunk, 0, Long.MAX_VALUE)) {
            if (r.chunkLength() != length) {
                copyFailures.incrementAndGet();
                log.accept(what + " failed: the shard says " + length + " bytes, this datanode has " + r.chunkLength());
                return;
            }
            String token = tokenKey == null ? "" : ChunkToken.issue(tokenKey, chunk, ChunkToken.Mode.WRITE,
                System.currentTimeMillis() + COPY_TOKEN_MS);
            client.write(targets, chunk, r.asInputStream(), length, token);
            copied.incrementAndGet();
        } catch (IOException | IllegalArgumentException e) {
            copyFailures.incrementAndGet();
            log.accept(what + " failed: " + e.getMessage());
        }
    }

    /** {@code dn_delete(@Dn, Replica, Chunks)}: queues the deletion of every chunk id of Chunks. */
    void delete(Tuple cmd) {
        String from = (String) cmd.get(1);
        if (!(cmd.get(2) instanceof Collection<?> ids)) {
            log.accept("dn_delete from " + from + " ignored: Chunks is not a list of chunk ids: " + cmd.get(2));
            return;
        }
        try {
            deletes.execute(() -> {
                for (Object id : ids) {
                    if (!(id instanceof Long chunk)) {
                        log.accept("dn_delete from " + from + ": " + id + " is not a chunk id (skipped)");
                        continue;
                    }
                    try {
                        if (store.delete(chunk)) {
                            deleted.incrementAndGet();
                        }
                    } catch (ChunkStoreException e) {
                        log.accept("dn_delete from " + from + ": " + e.getMessage());
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            dropped.incrementAndGet();
            log.accept("dn_delete of " + ids.size() + " chunk(s) from " + from + " dropped: " + DELETE_QUEUE
                + " deletions are waiting already (the shard retries)");
        }
    }

    /** Counters, for the line a datanode logs when it stops. */
    String describe() {
        return "copies done " + copied.get() + " failed " + copyFailures.get() + ", chunks deleted " + deleted.get()
            + ", commands dropped " + dropped.get();
    }

    /** Stops taking commands; waits a little for those running (a copy stops at its next I/O timeout at worst). */
    @Override
    public void close() {
        copies.shutdownNow();
        deletes.shutdownNow();
        try {
            copies.awaitTermination(5, TimeUnit.SECONDS);
            deletes.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
    }
}
