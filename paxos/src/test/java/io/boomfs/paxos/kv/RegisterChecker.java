package io.boomfs.paxos.kv;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Whether a history of one register is linearizable: the search of Wing and Gong ("Testing and
 * Verifying Concurrent Objects", 1993) with Lowe's memoization of (linearized set, state)
 * ("Testing for linearizability", 2017), as Porcupine and Knossos run it.
 *
 * <p>The history is a list of call and return events in time order. The search walks it: at a
 * call it tries to linearize that operation now (its answer must be what the sequential register
 * answers in the current state), removes it from the list and starts again from the first event;
 * reaching a return means that operation was not linearized before it returned, so the last
 * choice is undone and the next call after it tried. A (set of linearized operations, state)
 * pair seen before cannot lead anywhere new and is skipped. An operation whose answer never
 * arrived returns at infinity and accepts any answer, so it is linearized anywhere after its call
 * (where it had an effect) or at the very end (where it had none observable); such a get has
 * no effect at all and is left out.
 *
 * <p>Events at the same instant are ordered calls first, which treats the two operations as
 * concurrent: the permissive reading of a tie, so that a clock's granularity is never a violation.
 */
final class RegisterChecker {
    /** The verdict, with what could not be linearized when it is not. */
    record Result(boolean linearizable, String explanation) {
    }

    private static final int DEFAULT_MAX_STATES = 2_000_000;

    private RegisterChecker() {
    }

    static Result check(List<RegisterOp> history) {
        return check(history, null, DEFAULT_MAX_STATES);
    }

    /**
     * @param initial   the register's state before the history (null: absent)
     * @param maxStates a bound on the memoized states: beyond it the answer is a failure that says
     *                  the search gave up (never a hang)
     */
    static Result check(List<RegisterOp> all, Object initial, int maxStates) {
        // A get whose answer never came changes nothing and may answer anything: it fits any
        // order, so it is left out. Kept, it would double the states at every point it is open.
        List<RegisterOp> history = all.stream().filter(op -> op.known() || op.kind() != RegisterOp.Kind.GET).toList();
        int n = history.size();
        Entry head = link(history);
        BitSet linearized = new BitSet(n);
        Set<Memo> seen = new HashSet<>();
        Deque<Choice> choices = new ArrayDeque<>();
        Object state = initial;
        Entry entry = head.next;
        int deepest = 0;
        List<RegisterOp> deepestOrder = List.of();
        while (head.next != null) {
            if (entry.call) {
                Object next = entry.op.step(state);
                if (next != RegisterOp.IMPOSSIBLE) {
                    linearized.set(entry.index);
                    if (seen.add(new Memo((BitSet) linearized.clone(), next))) {
                        if (seen.size() > maxStates) {
                            return new Result(false, "gave up after " + maxStates + " states: the history has too much"
                                + " concurrency to check (" + n + " operations)");
                        }
                        choices.push(new Choice(entry, state));
                        state = next;
                        entry.lift();
                        entry = head.next;
                        continue;
                    }
                    linearized.clear(entry.index);
                }
                entry = entry.next;
            } else {
                if (choices.size() > deepest) {
                    deepest = choices.size();
                    // The stack holds the latest choice first.
                    List<RegisterOp> order = new ArrayList<>(choices.stream().map(c -> c.entry.op).toList());
                    Collections.reverse(order);
                    deepestOrder = order;
                }
                if (choices.isEmpty()) {
                    return new Result(false, explain(entry.op, deepestOrder));
                }
                Choice c = choices.pop();
                state = c.stateBefore;
                linearized.clear(c.entry.index);
                c.entry.unlift();
                entry = c.entry.next;
            }
        }
        return new Result(true, "linearizable (" + n + " operations, " + seen.size() + " states)");
    }

    private static String explain(RegisterOp blocked, List<RegisterOp> deepestOrder) {
        StringBuilder sb = new StringBuilder("not linearizable: no order of the operations before it lets ")
            .append(blocked).append(" take effect before it returned.\nThe longest order found (")
            .append(deepestOrder.size()).append(" operations), last ones:\n");
        for (RegisterOp op : deepestOrder.subList(Math.max(0, deepestOrder.size() - 12), deepestOrder.size())) {
            sb.append("  ").append(op).append('\n');
        }
        return sb.toString();
    }

    /** The events in time order as a doubly linked list behind a sentinel head. */
    private static Entry link(List<RegisterOp> history) {
        List<Entry> events = new ArrayList<>(2 * history.size());
        for (int i = 0; i < history.size(); i++) {
            RegisterOp op = history.get(i);
            if (op.completeNs() < op.invokeNs()) {
                throw new IllegalArgumentException("an operation returns before its call: " + op);
            }
            Entry call = new Entry(op, i, true, op.invokeNs());
            Entry ret = new Entry(op, i, false, op.completeNs());
            call.match = ret;
            events.add(call);
            events.add(ret);
        }
        events.sort(Comparator.comparingLong((Entry e) -> e.time).thenComparing(e -> e.call ? 0 : 1));
        Entry head = new Entry(null, -1, false, Long.MIN_VALUE);
        Entry prev = head;
        for (Entry e : events) {
            prev.next = e;
            e.prev = prev;
            prev = e;
        }
        return head;
    }

    private record Memo(BitSet linearized, Object state) {
    }

    private record Choice(Entry entry, Object stateBefore) {
    }

    private static final class Entry {
        final RegisterOp op;
        final int index;
        final boolean call;
        final long time;
        Entry match;
        Entry prev;
        Entry next;

        Entry(RegisterOp op, int index, boolean call, long time) {
            this.op = op;
            this.index = index;
            this.call = call;
            this.time = time;
        }

        /** Takes this call and its return out of the list (the operation is linearized). */
        void lift() {
            prev.next = next;
            if (next != null) {
                next.prev = prev;
            }
            match.prev.next = match.next;
            if (match.next != null) {
                match.next.prev = match.prev;
            }
        }

        /** Puts them back where they were, in the reverse order of lift. */
        void unlift() {
            match.prev.next = match;
            if (match.next != null) {
                match.next.prev = match;
            }
            prev.next = this;
            if (next != null) {
                next.prev = this;
            }
        }
    }
}
