package io.boomfs.chaos.check;

import io.boomfs.chaos.history.Call;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Linearizability of a whole history, one {@link Wgl} search per key: the calls on one key (a
 * register, or a directory with {@link DirectoryModel}) form an object of their own, and a
 * history is linearizable when each object's is (Herlihy and Wing 1990, locality). Splitting
 * turns one search over n calls into small ones.
 */
public final class Linearizability {
    public static final String NAME = "linearizability";

    private Linearizability() {
    }

    /** The calls by key, in invocation order within each. */
    public static Map<String, List<Call>> byKey(List<Call> calls) {
        Map<String, List<Call>> m = new TreeMap<>();
        for (Call c : calls) {
            m.computeIfAbsent(c.key(), k -> new ArrayList<>()).add(c);
        }
        return m;
    }

    public static <S> Verdict check(Supplier<Model<S>> model, List<Call> calls) {
        return check(NAME, model, calls);
    }

    /** Checks every key; the verdict's details show the offending window of each key that fails. */
    public static <S> Verdict check(String name, Supplier<Model<S>> model, List<Call> calls) {
        Map<String, List<Call>> byKey = byKey(calls);
        StringBuilder bad = new StringBuilder();
        List<String> invalid = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        long configurations = 0;
        for (Map.Entry<String, List<Call>> e : byKey.entrySet()) {
            Wgl.Result r = Wgl.check(model.get(), e.getValue());
            configurations += r.configurations();
            if (r.outcome() != Wgl.Outcome.VALID) {
                (r.outcome() == Wgl.Outcome.INVALID ? invalid : unknown).add(e.getKey());
                bad.append("key ").append(e.getKey()).append(" (").append(r.outcome()).append("): ")
                    .append(r.explained()).append('\n');
            }
        }
        String counts = String.format("%d keys, %,d calls, %,d configurations explored", byKey.size(), calls.size(), configurations);
        if (!invalid.isEmpty()) {
            return Verdict.invalid(name, "not linearizable on " + invalid + " (" + counts + ")", bad.toString());
        }
        if (!unknown.isEmpty()) {
            return new Verdict(name, null, "undecided on " + unknown + " (" + counts + ")", bad.toString());
        }
        return Verdict.valid(name, counts);
    }
}
