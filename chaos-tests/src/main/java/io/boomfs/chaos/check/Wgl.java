package io.boomfs.chaos.check;

import io.boomfs.chaos.history.Call;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The Wing-Gong linearizability search with Lowe's memoisation (G. Lowe, "Testing for
 * linearizability", Concurrency and Computation 29(4), 2017, section 3; the algorithm P. Wing and
 * C. Gong, 1993): walk the calls and returns in time order; at a call, try to linearize it now
 * (apply it to the model, unlink it and its return, start again from the front); at a return whose
 * call is not linearized yet, undo the last choice. A configuration (the set of linearized calls,
 * the model's state) already explored is never explored again: that is what keeps the search
 * polynomial on the histories of real systems.
 *
 * <p>Calls of unknown outcome have no return: they may be linearized at any point after their
 * invocation, or never (the search ends when every known call is linearized). Calls whose
 * times tie count as concurrent (calls sort before returns at equal times), so that a coarse
 * clock never causes a false alarm.
 */
public final class Wgl {
    /** What the search concluded. */
    public enum Outcome { VALID, INVALID, UNKNOWN }

    /**
     * @param linearizedMost the most calls any branch of the search linearized
     * @param explained      why it is invalid: the state the longest branch reached, the completion it
     *                       could not get past and the calls that were open then (empty when valid)
     */
    public record Result(Outcome outcome, int calls, int linearizedMost, long configurations, String explained) {
    }

    /** The most configurations explored before the answer is UNKNOWN: a bound instead of a hang. */
    public static final long DEFAULT_MAX_CONFIGURATIONS = 5_000_000;
    /**
     * What the remembered configurations may take, roughly: each holds a bitset of all the calls,
     * so a long history gets fewer of them (an UNKNOWN verdict rather than running out of heap).
     */
    private static final long MEMORY_BUDGET_BYTES = 256L << 20;

    private static final class Entry {
        final Call call;
        final int id;
        final boolean isCall;
        Entry match;
        Entry prev;
        Entry next;

        Entry(Call call, int id, boolean isCall) {
            this.call = call;
            this.id = id;
            this.isCall = isCall;
        }

        long time() {
            return isCall ? call.invokeNs() : call.returnNs();
        }
    }

    private record Frame<S>(Entry entry, S state, int outcome) {
    }

    private record Configuration<S>(BitSet linearized, S state) {
    }

    private Wgl() {
    }

    public static <S> Result check(Model<S> model, List<Call> calls) {
        return check(model, calls, DEFAULT_MAX_CONFIGURATIONS);
    }

    public static <S> Result check(Model<S> model, List<Call> calls, long maxConfigurations) {
        long bound = Math.min(maxConfigurations, MEMORY_BUDGET_BYTES / (64 + calls.size() / 8));
        Entry head = link(calls);
        int remaining = (int) calls.stream().filter(Call::known).count();
        BitSet linearized = new BitSet(calls.size());
        Set<Configuration<S>> seen = new HashSet<>();
        Deque<Frame<S>> stack = new ArrayDeque<>();
        S state = model.initial();
        Entry entry = head.next;
        int from = 0;
        int most = 0;
        String explained = "";
        while (remaining > 0) {
            if (seen.size() >= bound) {
                return new Result(Outcome.UNKNOWN, calls.size(), most, seen.size(), "gave up after " + seen.size()
                    + " configurations (linearized at most " + most + " of " + calls.size() + " calls)");
            }
            if (entry.isCall) {
                List<S> next = model.step(state, entry.call);
                int chosen = -1;
                for (int k = from; k < next.size() && chosen < 0; k++) {
                    BitSet with = (BitSet) linearized.clone();
                    with.set(entry.id);
                    if (seen.add(new Configuration<>(with, next.get(k)))) {
                        chosen = k;
                    }
                }
                from = 0;
                if (chosen < 0) {
                    entry = entry.next;
                    continue;
                }
                stack.push(new Frame<>(entry, state, chosen));
                state = next.get(chosen);
                linearized.set(entry.id);
                lift(entry);
                remaining -= entry.call.known() ? 1 : 0;
                entry = head.next;
            } else {
                if (stack.size() > most || explained.isEmpty()) {
                    most = stack.size();
                    explained = explain(model, state, entry.call, head, stack.size(), calls.size());
                }
                if (stack.isEmpty()) {
                    return new Result(Outcome.INVALID, calls.size(), most, seen.size(), explained);
                }
                Frame<S> f = stack.pop();
                state = f.state();
                linearized.clear(f.entry().id);
                unlift(f.entry());
                remaining += f.entry().call.known() ? 1 : 0;
                entry = f.entry();
                from = f.outcome() + 1;
            }
        }
        return new Result(Outcome.VALID, calls.size(), calls.size(), seen.size(), "");
    }

    /** The calls and returns in time order as a doubly linked list after a sentinel head. */
    private static Entry link(List<Call> calls) {
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            Entry c = new Entry(calls.get(i), i, true);
            entries.add(c);
            if (calls.get(i).known()) {
                Entry r = new Entry(calls.get(i), i, false);
                c.match = r;
                entries.add(r);
            }
        }
        entries.sort(Comparator.comparingLong(Entry::time).thenComparing(e -> !e.isCall));
        Entry head = new Entry(null, -1, false);
        Entry last = head;
        for (Entry e : entries) {
            last.next = e;
            e.prev = last;
            last = e;
        }
        return head;
    }

    /** Unlinks a call and its return. */
    private static void lift(Entry e) {
        unlink(e);
        if (e.match != null) {
            unlink(e.match);
        }
    }

    private static void unlink(Entry e) {
        e.prev.next = e.next;
        if (e.next != null) {
            e.next.prev = e.prev;
        }
    }

    /** Links a call and its return back where they were (the reverse order of {@link #lift}). */
    private static void unlift(Entry e) {
        if (e.match != null) {
            relink(e.match);
        }
        relink(e);
    }

    private static void relink(Entry e) {
        e.prev.next = e;
        if (e.next != null) {
            e.next.prev = e;
        }
    }

    /** The offending window: the state reached, the completion that cannot be explained, the calls open before it. */
    private static <S> String explain(Model<S> model, S state, Call stuck, Entry head, int done, int total) {
        StringBuilder sb = new StringBuilder();
        sb.append("after ").append(done).append(" of ").append(total).append(" calls linearized, the object is ")
            .append(state).append(";\n  no order of the calls open at that point explains the completion of\n    ")
            .append(describe(model, state, stuck)).append("\n  other calls open then (invoked before it completed, not linearized):");
        for (Entry e = head.next; e != null; e = e.next) {
            if (e.isCall && e.call != stuck && e.call.invokeNs() <= stuck.returnNs()) {
                sb.append("\n    ").append(describe(model, state, e.call));
            }
        }
        return sb.toString();
    }

    private static <S> String describe(Model<S> model, S state, Call c) {
        return c.describe() + (model.step(state, c).isEmpty() ? "  (impossible in this state)" : "");
    }
}
