package io.boomfs.chaos.check;

import io.boomfs.chaos.history.Call;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The state read back at quiescence (faults healed, every client done) equals the state of a
 * sequential execution of the operations: for each key, the calls before quiescence and a final
 * read of what was observed, invoked after all of them, are linearizable. Unknown calls may or
 * may not be in that execution. For the namespace: each directory's final listing; for the KV
 * store: each key's final value.
 */
public final class Quiescence {
    public static final String NAME = "state-at-quiescence";

    private Quiescence() {
    }

    /**
     * @param calls      the calls before quiescence
     * @param finalState each key's observed final state, as {@code readF} returns it
     * @param readF      the model's read function ({@code read}, {@code list})
     */
    public static <S> Verdict check(Supplier<Model<S>> model, List<Call> calls, Map<String, Object> finalState, String readF) {
        long after = calls.stream().mapToLong(c -> c.known() ? c.returnNs() : c.invokeNs()).max().orElse(0) + 1;
        List<Call> all = new ArrayList<>(calls);
        for (Map.Entry<String, Object> e : finalState.entrySet()) {
            all.add(new Call(-1, -1, readF, e.getKey(), null, e.getValue(), true, after, after + 1));
        }
        Verdict v = Linearizability.check(NAME, model, all);
        String summary = v.valid() == Boolean.TRUE ? finalState.size() + " keys read back equal a sequential execution of the "
            + calls.size() + " calls" : v.summary();
        return new Verdict(NAME, v.valid(), summary, v.details());
    }
}
