package io.boomfs.chaos.check;

import io.boomfs.chaos.history.Call;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * No acknowledged write is lost: for each register, the value read at quiescence was written by
 * a write (or successful cas) that does not precede any acknowledged write in real time. A
 * write W is lost when every write of the final value completed before W was invoked (W came
 * later, was acknowledged, and vanished), or when the final value was never written at all.
 * Needs unique written values (the workload writes each value once).
 */
public final class LostWrites {
    public static final String NAME = "no-lost-writes";

    private LostWrites() {
    }

    public static Verdict check(List<Call> calls, Map<String, Object> finalValues) {
        Map<String, List<Call>> byKey = Linearizability.byKey(calls);
        List<String> lost = new ArrayList<>();
        int acknowledged = 0;
        for (Map.Entry<String, Object> e : finalValues.entrySet()) {
            Object last = e.getValue();
            List<Call> keyCalls = byKey.getOrDefault(e.getKey(), List.of());
            List<Call> writersOfLast = keyCalls.stream().filter(c -> written(c) != null && written(c).equals(last)).toList();
            for (Call w : keyCalls) {
                if (!w.known() || written(w) == null) {
                    continue;
                }
                acknowledged++;
                // Not lost when it wrote the final value, or when a write of the final value may have come after it.
                boolean survived = written(w).equals(last) || writersOfLast.stream().anyMatch(f -> f.returnNs() >= w.invokeNs());
                if (!survived) {
                    lost.add(w.describe() + " (final value " + last + ")");
                }
            }
        }
        if (!lost.isEmpty()) {
            return Verdict.invalid(NAME, lost.size() + " of " + acknowledged + " acknowledged writes lost", String.join("\n", lost));
        }
        return Verdict.valid(NAME, "0 of " + acknowledged + " acknowledged writes lost (" + finalValues.size() + " keys)");
    }

    /** The value a call writes when it takes effect: a write's, a cas's new value when it succeeded or may have. */
    private static Object written(Call c) {
        if (c.f().equals("write")) {
            return c.argument();
        }
        if (c.f().equals("cas") && (!c.known() || Boolean.TRUE.equals(c.result())) && c.argument() instanceof List<?> a) {
            return a.get(1);
        }
        return null;
    }
}
