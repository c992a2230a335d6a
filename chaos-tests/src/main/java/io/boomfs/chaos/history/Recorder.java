package io.boomfs.chaos.history;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a run's clients write their history as it happens: every invoke and completion gets the
 * time of one clock, nanoseconds since the run started. Thread-safe; the history is in the
 * order the ops were recorded, which is their time order.
 */
public final class Recorder {
    private final long startNs;
    private final List<Op> ops = new ArrayList<>();

    /** A recorder whose times count from {@code startNs} (a {@link System#nanoTime()} value). */
    public Recorder(long startNs) {
        this.startNs = startNs;
    }

    /** Nanoseconds since the run started. */
    public long now() {
        return System.nanoTime() - startNs;
    }

    public synchronized Op record(long process, Op.Type type, String f, String key, Object value) {
        // Timed inside the lock, so that the list stays in time order.
        Op op = new Op(process, type, f, key, value, now());
        ops.add(op);
        return op;
    }

    public synchronized List<Op> ops() {
        return List.copyOf(ops);
    }
}
