package io.boomfs.engine.eval;

import io.boomfs.engine.ValueList;
import io.boomfs.engine.Values;
import io.boomfs.engine.program.Rule;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;

/**
 * The aggregate functions, shared by every evaluator so that they agree bit for bit
 * (engine/LANGUAGE.md, "Aggregates"). The input is the aggregated variable's value in each
 * match of one group, nulls included.
 */
public final class Aggregates {
    private Aggregates() {
    }

    public static Object compute(Rule.AggFn fn, List<Object> values) {
        if (fn == Rule.AggFn.COUNT_STAR) {
            return (long) values.size();
        }
        List<Object> vs = new ArrayList<>(values.size());
        for (Object v : values) {
            if (v != null) {
                vs.add(v);
            }
        }
        switch (fn) {
            case COUNT:
                return distinct(vs);
            case SUM:
                return vs.isEmpty() ? null : sum(vs);
            case AVG:
                return vs.isEmpty() ? null : ((Number) sum(vs)).doubleValue() / vs.size();
            case MIN:
                return vs.isEmpty() ? null : Collections.min(vs, Values.ORDER);
            case MAX:
                return vs.isEmpty() ? null : Collections.max(vs, Values.ORDER);
            case SET: {
                TreeSet<Object> s = new TreeSet<>(Values.ORDER);
                s.addAll(vs);
                return Collections.unmodifiableSortedSet(s);
            }
            default: {
                vs.sort(Values.ORDER);
                return ValueList.copyOf(vs);
            }
        }
    }

    private static long distinct(List<Object> vs) {
        // Equality of Overlog values is Java equality (a long never equals a double), so a
        // hash set counts what Values.ORDER would, without sorting.
        return new java.util.HashSet<>(vs).size();
    }

    private static Object sum(List<Object> vs) {
        boolean allLong = true;
        for (Object v : vs) {
            if (!(v instanceof Long)) {
                allLong = false;
                break;
            }
        }
        if (allLong) {
            long s = 0;
            for (Object v : vs) {
                s += (Long) v;
            }
            return s;
        }
        List<Object> sorted = new ArrayList<>(vs);
        sorted.sort(Values.ORDER);
        double d = 0;
        for (Object v : sorted) {
            if (v instanceof Number n) {
                d += n.doubleValue();
            }
        }
        return d;
    }
}
