package io.boomfs.chaos.history;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Pairs a history's invocations with their completions. */
public final class Calls {
    private Calls() {
    }

    /**
     * The calls of a history in invocation order. A {@code fail} removes its call (it did not take
     * effect); an {@code info}, and an invoke that never completed, leave a call of unknown outcome
     * that never returns. {@code readOnly} names the functions whose unknown calls are dropped
     * too: a read whose result nobody saw constrains nothing.
     *
     * @throws IllegalArgumentException a malformed history, naming the line: a completion without
     *                                  an invoke, a second invoke of a busy process, a process
     *                                  reused after {@code info}, a completion of another function or key
     */
    public static List<Call> pair(List<Op> history, Set<String> readOnly) {
        Map<Long, Integer> open = new HashMap<>();
        Map<Long, Integer> crashed = new HashMap<>();
        Call[] byIndex = new Call[history.size()];
        for (int i = 0; i < history.size(); i++) {
            Op op = history.get(i);
            Integer at = open.get(op.process());
            if (crashed.containsKey(op.process())) {
                throw bad(i, op, "process " + op.process() + " ended line " + (crashed.get(op.process()) + 1)
                    + " with info and must not run another op (use a new process number)");
            }
            if (op.type() == Op.Type.INVOKE) {
                if (at != null) {
                    throw bad(i, op, "process " + op.process() + " invokes while its op of line " + (at + 1) + " is open");
                }
                open.put(op.process(), i);
                byIndex[i] = new Call(i, op.process(), op.f(), op.key(), op.value(), null, false, op.timeNs(), Long.MAX_VALUE);
                continue;
            }
            if (at == null) {
                throw bad(i, op, "a completion of process " + op.process() + ", which has no open invoke");
            }
            Op inv = history.get(at);
            if (!inv.f().equals(op.f()) || !inv.key().equals(op.key())) {
                throw bad(i, op, "completes " + op.f() + " " + op.key() + " but line " + (at + 1) + " invoked "
                    + inv.f() + " " + inv.key());
            }
            open.remove(op.process());
            switch (op.type()) {
                case OK -> byIndex[at] = new Call(at, op.process(), op.f(), op.key(), inv.value(), op.value(), true,
                    inv.timeNs(), op.timeNs());
                case FAIL -> byIndex[at] = null;
                case INFO -> crashed.put(op.process(), i);
                default -> throw new IllegalStateException("unreachable: " + op.type());
            }
        }
        List<Call> calls = new ArrayList<>();
        for (Call c : byIndex) {
            if (c != null && (c.known() || !readOnly.contains(c.f()))) {
                calls.add(c);
            }
        }
        return calls;
    }

    private static IllegalArgumentException bad(int i, Op op, String why) {
        return new IllegalArgumentException("history line " + (i + 1) + " (" + HistoryJson.line(op) + "): " + why);
    }
}
