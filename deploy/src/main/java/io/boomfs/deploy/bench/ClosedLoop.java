package io.boomfs.deploy.bench;

import io.boomfs.engine.runtime.LatencyHistogram;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A closed-loop load on a {@link MetaTarget}: each of N sessions issues its next operation as
 * soon as the previous one is answered. An asynchronous target's loops are chained on the
 * callbacks of its client (no thread per session: many sessions pipeline through one client, as
 * {@code KvLoad} does); a blocking target gets a thread per session. Only what completes between
 * {@link #measure()} and {@link #stop} counts, so a warm-up is the time before {@code measure}.
 * Thread-safe.
 */
public final class ClosedLoop {
    /** The operations of a load: operation {@code n} of session {@code s}, or null when that session is done. */
    public interface Ops {
        Op next(int s, long n);
    }

    private final MetaTarget target;
    private final int sessions;
    private final Ops ops;
    private final List<CompletableFuture<Void>> finished = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private LatencyHistogram latency = new LatencyHistogram();
    private long measuredFromNs;
    private long[] cpuFrom;
    private long[] cpuTo;
    private long measuredToNs;
    private long acked;
    private long failed;
    private volatile boolean stopping;

    public ClosedLoop(MetaTarget target, int sessions, Ops ops) {
        if (sessions < 1) {
            throw new IllegalArgumentException("a load needs at least one session");
        }
        this.target = target;
        this.sessions = sessions;
        this.ops = ops;
    }

    /** Starts every session. */
    public ClosedLoop start() {
        measure();
        for (int s = 0; s < sessions; s++) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            finished.add(done);
            int session = s;
            if (target.blocking()) {
                Thread t = new Thread(() -> runBlocking(session, done), target.system() + "-session-" + s);
                t.setDaemon(true);
                t.start();
            } else {
                next(session, 0, done);
            }
        }
        return this;
    }

    private void runBlocking(int s, CompletableFuture<Void> done) {
        for (long n = 0; !stopping; n++) {
            Op op = ops.next(s, n);
            if (op == null) {
                break;
            }
            long t0 = System.nanoTime();
            Throwable failure = null;
            try {
                target.start(s, op).join();
            } catch (RuntimeException e) {
                failure = e;
            }
            record(t0, System.nanoTime(), failure);
        }
        done.complete(null);
    }

    private void next(int s, long n, CompletableFuture<Void> done) {
        Op op = stopping ? null : ops.next(s, n);
        if (op == null) {
            done.complete(null);
            return;
        }
        long t0 = System.nanoTime();
        CompletableFuture<?> f;
        try {
            f = target.start(s, op);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((r, failure) -> {
            record(t0, System.nanoTime(), failure);
            next(s, n + 1, done);
        });
    }

    private synchronized void record(long t0, long t1, Throwable failure) {
        if (failure != null) {
            failed++;
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            String message = String.valueOf(cause.getMessage());
            if (failures.size() < 3 && !failures.contains(message)) {
                failures.add(message);
            }
            return;
        }
        // Operations started in the warm-up, or answered after the window closed, are not counted.
        if (t0 >= measuredFromNs && (measuredToNs == 0 || t1 <= measuredToNs)) {
            latency.record(t1 - t0);
            acked++;
        }
    }

    /** From now on completions count: what came before was warm-up. */
    public synchronized void measure() {
        latency = new LatencyHistogram();
        acked = 0;
        cpuFrom = target.cpuNanos();
        measuredFromNs = System.nanoTime();
        measuredToNs = 0;
    }

    /**
     * Stops issuing operations and waits for each session's last one (at most {@code timeoutMs}).
     * Only operations started before now count.
     *
     * @throws IllegalStateException when they are not all answered in time
     */
    public void stop(long timeoutMs) {
        synchronized (this) {
            measuredToNs = System.nanoTime();
            cpuTo = target.cpuNanos();
        }
        stopping = true;
        awaitDone(timeoutMs);
    }

    /**
     * Waits until every session is done (its operations ran out, or {@link #stop}).
     *
     * @throws IllegalStateException when that takes more than {@code timeoutMs}
     */
    public void awaitDone(long timeoutMs) {
        try {
            CompletableFuture.allOf(finished.toArray(new CompletableFuture<?>[0])).get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException(target.system() + ": the load's last operations were not answered within " + timeoutMs
                + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the load");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** The figures of the measured window (from {@link #measure} to {@link #stop}). */
    public synchronized PhaseResult result(Phase phase) {
        double seconds = (measuredToNs - measuredFromNs) / 1e9;
        double cpuUs = (cpuTo[0] - cpuFrom[0]) / 1e3 / Math.max(1, acked);
        // -1 when leadership moved during the phase: no one process answered all of it.
        double serverCpuUs = cpuTo[2] != cpuFrom[2] ? -1 : (cpuTo[1] - cpuFrom[1]) / 1e3 / Math.max(1, acked);
        return new PhaseResult(target.system(), phase, sessions, seconds, acked, acked / seconds, latency.quantile(0.5) / 1e6,
            latency.quantile(0.99) / 1e6, latency.max() / 1e6, failed, cpuUs, serverCpuUs);
    }

    /** Operations that failed (warm-up included). */
    public synchronized long failed() {
        return failed;
    }

    /** The first few distinct failure messages. */
    public synchronized List<String> failures() {
        return List.copyOf(failures);
    }
}
