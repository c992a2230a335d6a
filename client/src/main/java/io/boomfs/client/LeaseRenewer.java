package io.boomfs.client;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Keeps the write leases of a {@link BoomFileSystem}'s open files alive: while at least one file
 * is open for writing it calls {@code renew} every period (a third of the lease, so two renewals
 * may be lost before the lease runs out). The thread exists only while files are open (it ends a
 * second after the last one closes). Thread-safe.
 */
final class LeaseRenewer implements AutoCloseable {
    private final Runnable renew;
    private final long periodMs;
    private final Consumer<String> log;
    private final ScheduledThreadPoolExecutor executor;
    private final AtomicLong renewals = new AtomicLong();
    private int open;
    private ScheduledFuture<?> task;

    /** {@code renew} runs every {@code periodMs} while files are open; its failures go to {@code log}. */
    LeaseRenewer(Runnable renew, long periodMs, Consumer<String> log) {
        this.renew = renew;
        this.periodMs = periodMs;
        this.log = log;
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "boomfs-lease-renewal");
            t.setDaemon(true);
            return t;
        });
        executor.setKeepAliveTime(1, TimeUnit.SECONDS);
        executor.allowCoreThreadTimeOut(true);
        executor.setRemoveOnCancelPolicy(true);
    }

    /** A file was opened for writing. */
    synchronized void opened() {
        if (open++ == 0) {
            task = executor.scheduleWithFixedDelay(this::renewOnce, periodMs, periodMs, TimeUnit.MILLISECONDS);
        }
    }

    /** A file opened for writing was closed (or failed). */
    synchronized void closed() {
        if (--open == 0) {
            task.cancel(false);
            task = null;
        }
    }

    private void renewOnce() {
        try {
            renew.run();
            renewals.incrementAndGet();
        } catch (RuntimeException e) {
            // The next period tries again; a lease that runs out shows as LEASE_HELD on the writer's next op.
            log.accept("boomfs: renewing the write leases failed: " + e.getMessage());
        }
    }

    /** Renewals that succeeded so far. */
    long renewals() {
        return renewals.get();
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
