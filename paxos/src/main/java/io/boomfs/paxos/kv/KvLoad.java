package io.boomfs.paxos.kv;

import io.boomfs.engine.runtime.LatencyHistogram;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A closed-loop load for demonstrations and benchmarks: each of N sessions puts to keys of its
 * own, one put outstanding at a time, with values that grow per session (so per key); or, as a
 * read load ({@link #reads}), gets them. It records what was acknowledged (to read it back),
 * when (to measure a failover's pause), and how long each operation took.
 *
 * <p>Thread-safe: the puts are chained on the client's thread, and the figures may be read from
 * any thread while the load runs.
 */
public final class KvLoad {
    /** What reading every key back found. */
    public record Verification(int keys, int matching, List<String> mismatches) {
        public boolean passed() {
            return mismatches.isEmpty();
        }
    }

    private final KvClient client;
    private final int sessions;
    private final int keysPerSession;
    private final String prefix;
    private final boolean reads;
    private final LatencyHistogram latency = new LatencyHistogram();
    private final List<CompletableFuture<Void>> stopped = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    // Per key (session * keysPerSession + k): the last acknowledged value, and values sent after
    // it whose answer never came (the key may hold one of them).
    private final long[] lastAcked;
    private final List<Set<Long>> unanswered = new ArrayList<>();
    private long[] ackTimes = new long[1 << 16];
    private int ackCount;
    private long indeterminate;
    private volatile boolean stopping;

    /** A write load: puts to keys {@code s<session>-k<n>}. */
    public KvLoad(KvClient client, int sessions, int keysPerSession) {
        this(client, sessions, keysPerSession, "", false);
    }

    /** A write load on keys of its own, {@code <prefix>s<session>-k<n>}: beside another load's keys. */
    public KvLoad(KvClient client, int sessions, int keysPerSession, String prefix) {
        this(client, sessions, keysPerSession, prefix, false);
    }

    private KvLoad(KvClient client, int sessions, int keysPerSession, String prefix, boolean reads) {
        if (sessions < 1 || keysPerSession < 1) {
            throw new IllegalArgumentException("a load needs at least one session and one key per session");
        }
        this.client = client;
        this.sessions = sessions;
        this.keysPerSession = keysPerSession;
        this.prefix = prefix;
        this.reads = reads;
        this.lastAcked = new long[sessions * keysPerSession];
        Arrays.fill(lastAcked, -1);
        for (int i = 0; i < lastAcked.length; i++) {
            unanswered.add(new HashSet<>());
        }
    }

    /** A read load: linearizable gets of the keys a write load of the same shape wrote. */
    public static KvLoad reads(KvClient client, int sessions, int keysPerSession) {
        return new KvLoad(client, sessions, keysPerSession, "", true);
    }

    /** The key {@code k} of session {@code s}. */
    public String key(int s, int k) {
        return prefix + "s" + s + "-k" + k;
    }

    /** Starts every session's loop. */
    public void start() {
        for (int s = 0; s < sessions; s++) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            stopped.add(done);
            next(s, client.newSession(), 1, done);
        }
    }

    private void next(int s, KvClient.Session session, long value, CompletableFuture<Void> done) {
        if (stopping) {
            done.complete(null);
            return;
        }
        int k = (int) (value % keysPerSession);
        int slot = s * keysPerSession + k;
        long t0 = System.nanoTime();
        CompletableFuture<?> op = reads ? session.getAsync(key(s, k)) : session.putAsync(key(s, k), value);
        op.whenComplete((r, failure) -> {
            long t1 = System.nanoTime();
            record(slot, value, t0, t1, failure);
            next(s, session, value + 1, done);
        });
    }

    private synchronized void record(int slot, long value, long t0, long t1, Throwable failure) {
        if (failure == null) {
            latency.record(t1 - t0);
            if (!reads) {
                lastAcked[slot] = value;
                unanswered.get(slot).clear();
            }
            if (ackCount == ackTimes.length) {
                ackTimes = Arrays.copyOf(ackTimes, ackCount * 2);
            }
            ackTimes[ackCount++] = t1;
            return;
        }
        indeterminate++;
        if (!reads) {
            unanswered.get(slot).add(value);
        }
        Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
        if (!(cause instanceof KvException.Timeout) && failures.size() < 100) {
            failures.add(String.valueOf(cause.getMessage()));
        }
    }

    /**
     * Stops issuing puts and waits for each session's last one to complete (at most its deadline).
     *
     * @throws IllegalStateException when they do not complete within {@code timeoutMs}
     */
    public void stop(long timeoutMs) {
        stopping = true;
        try {
            CompletableFuture.allOf(stopped.toArray(new CompletableFuture<?>[0])).get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the load's last puts were not answered within " + timeoutMs + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the load");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Operations acknowledged so far. */
    public synchronized long acked() {
        return ackCount;
    }

    /** Operations that failed or timed out: a put may or may not have been applied. */
    public synchronized long indeterminate() {
        return indeterminate;
    }

    /** Failures other than timeouts (there should be none), at most 100. */
    public synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    /** Latency from submission to acknowledgment, in nanoseconds. */
    public LatencyHistogram latency() {
        return latency;
    }

    /** When each acknowledgment arrived ({@link System#nanoTime()}), in order. */
    public synchronized long[] ackTimesNs() {
        return Arrays.copyOf(ackTimes, ackCount);
    }

    /**
     * The longest pause between two consecutive acknowledgments from the last one at or before
     * {@code fromNs} up to {@code toNs}: the write outage a failover at {@code fromNs} caused.
     * (The first acknowledgment after a kill says little: answers already in flight arrive after
     * it.) 0 when there is nothing to compare.
     */
    public static long longestPauseNs(long[] ackTimesNs, long fromNs, long toNs) {
        long prev = Long.MIN_VALUE;
        long longest = 0;
        for (long t : ackTimesNs) {
            if (t <= fromNs) {
                prev = t;
            } else if (t <= toNs) {
                if (prev != Long.MIN_VALUE) {
                    longest = Math.max(longest, t - prev);
                }
                prev = t;
            }
        }
        return longest;
    }

    /**
     * Reads every key back with {@code reader} (after {@link #stop}) and checks that it holds its
     * last acknowledged value, or a later one whose answer was lost. For a write load.
     */
    public Verification verify(KvClient.Session reader) {
        if (reads) {
            throw new IllegalStateException("a read load wrote nothing to verify");
        }
        List<String> mismatches = new ArrayList<>();
        int matching = 0;
        for (int s = 0; s < sessions; s++) {
            for (int k = 0; k < keysPerSession; k++) {
                int slot = s * keysPerSession + k;
                Object v = reader.get(key(s, k));
                long acked;
                Set<Long> later;
                synchronized (this) {
                    acked = lastAcked[slot];
                    later = Set.copyOf(unanswered.get(slot));
                }
                boolean ok = acked < 0 ? v == null || later.contains(v) : Long.valueOf(acked).equals(v) || later.contains(v);
                if (ok) {
                    matching++;
                } else if (mismatches.size() < 20) {
                    mismatches.add(key(s, k) + " holds " + v + ", but its last acknowledged put wrote "
                        + (acked < 0 ? "nothing" : Long.toString(acked)) + (later.isEmpty() ? "" : " (puts without an answer: " + later + ")"));
                }
            }
        }
        return new Verification(sessions * keysPerSession, matching, mismatches);
    }
}
