package io.boomfs.chaos.check;

import io.boomfs.chaos.history.Call;
import io.boomfs.chaos.history.Calls;
import io.boomfs.chaos.history.Op;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Hand-written histories for the checker tests, one line per event: times are the order the
 * lines are written in (1, 2, 3... ms), so a history reads top to bottom as it happened.
 */
final class Histories {
    private final List<Op> ops = new ArrayList<>();
    private final String key;

    Histories(String key) {
        this.key = key;
    }

    Histories invoke(long p, String f, Object value) {
        return add(Op.invoke(p, f, key, value, time()));
    }

    Histories ok(long p, String f, Object value) {
        return add(Op.ok(p, f, key, value, time()));
    }

    Histories info(long p, String f) {
        return add(Op.info(p, f, key, null, time()));
    }

    Histories fail(long p, String f) {
        return add(Op.fail(p, f, key, null, time()));
    }

    private long time() {
        return (ops.size() + 1) * 1_000_000L;
    }

    private Histories add(Op op) {
        ops.add(op);
        return this;
    }

    List<Op> ops() {
        return ops;
    }

    List<Call> calls() {
        return Calls.pair(ops, Set.of("read", "list"));
    }

    static List<Object> pair(Object a, Object b) {
        return Arrays.asList(a, b);
    }
}
