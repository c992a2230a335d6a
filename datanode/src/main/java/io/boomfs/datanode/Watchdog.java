package io.boomfs.datanode;

import java.io.Closeable;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Deadlines for blocking socket operations. A blocking read has {@code SO_TIMEOUT}, but a
 * blocking write has no timeout at all, and a per-read timeout lets a peer that sends one byte
 * a second hold a connection forever (slow loris). So every blocking step is armed with a
 * deadline for the whole step (a request header, a 64 KiB frame, an acknowledgement), and one
 * thread closes the socket of any step past its deadline, which makes the blocked read or
 * write throw. The thread wakes every {@code tickMs}: deadlines are that coarse.
 */
final class Watchdog implements AutoCloseable {
    private final Set<Guard> guards = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private final long tickMs;
    private volatile boolean running = true;

    Watchdog(String name, long tickMs) {
        this.tickMs = tickMs;
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** A guard for {@code target}, disarmed; close it when the socket is done with. */
    Guard guard(Closeable target) {
        Guard g = new Guard(target);
        guards.add(g);
        return g;
    }

    private void run() {
        while (running) {
            long now = System.nanoTime();
            for (Guard g : guards) {
                // armed before the deadline: arm() writes the deadline first, so an armed guard's
                // deadline read after it is never one of an earlier step.
                if (g.armed && now - g.deadlineNs > 0) {
                    g.fire();
                }
            }
            try {
                Thread.sleep(tickMs);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }

    /** The deadline of one socket's current step. */
    final class Guard implements AutoCloseable {
        private final Closeable target;
        private volatile long deadlineNs;
        private volatile boolean armed;
        private volatile boolean fired;

        private Guard(Closeable target) {
            this.target = target;
        }

        /** The next step must end within {@code timeoutMs}, or the socket is closed. */
        void arm(long timeoutMs) {
            deadlineNs = System.nanoTime() + timeoutMs * 1_000_000;
            armed = true;
        }

        void disarm() {
            armed = false;
        }

        /** Whether the watchdog closed the socket: the failure that followed was a timeout. */
        boolean fired() {
            return fired;
        }

        private void fire() {
            fired = true;
            armed = false;
            try {
                target.close();
            } catch (IOException e) {
                // Closed or failing already: the blocked step ends either way.
            }
        }

        @Override
        public void close() {
            armed = false;
            guards.remove(this);
        }
    }
}
