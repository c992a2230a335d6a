package io.boomfs.paxos.kv;

import io.boomfs.paxos.kv.RegisterOp.Kind;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client-side history of operations on keys, recorded as they are invoked and complete (wall
 * times from {@link System#nanoTime()} of this JVM). An operation that failed or timed out is
 * recorded as indeterminate: the test cannot know whether it took effect. Thread-safe.
 */
final class History {
    /** An operation invoked and not yet recorded as complete. */
    record Pending(String key, String session, Kind kind, Object a, Object b, long invokeNs) {
    }

    private final List<Map.Entry<String, RegisterOp>> ops = new ArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();

    Pending invoke(String key, String session, Kind kind, Object a, Object b) {
        return new Pending(key, session, kind, a, b, System.nanoTime());
    }

    void ok(Pending p, Object result) {
        add(p.key, RegisterOp.done(ids.getAndIncrement(), p.session, p.kind, p.a, p.b, p.invokeNs, System.nanoTime(), result));
    }

    void unknown(Pending p) {
        add(p.key, RegisterOp.indeterminate(ids.getAndIncrement(), p.session, p.kind, p.a, p.b, p.invokeNs));
    }

    private synchronized void add(String key, RegisterOp op) {
        ops.add(Map.entry(key, op));
    }

    /** Each key's operations, in the order they completed. */
    synchronized Map<String, List<RegisterOp>> byKey() {
        Map<String, List<RegisterOp>> out = new LinkedHashMap<>();
        for (Map.Entry<String, RegisterOp> e : ops) {
            out.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
        }
        return out;
    }

    synchronized long count(boolean known) {
        return ops.stream().filter(e -> e.getValue().known() == known).count();
    }
}
