package io.boomfs.paxos;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** The sequential specification of kv.olg, in Java: what a checker replays a log against. */
final class KvModel {
    private final Map<Object, Object> map = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));

    /** Applies one op and returns its result, as kv.olg defines them. */
    Object apply(Object opValue) {
        List<?> op = (List<?>) opValue;
        Object kind = at(op, 0);
        Object key = at(op, 1);
        Object a = at(op, 2);
        Object b = at(op, 3);
        if ("put".equals(kind)) {
            map.put(key, a);
            return "ok";
        }
        if ("get".equals(kind)) {
            return map.get(key);
        }
        if ("cas".equals(kind)) {
            boolean holds = a == null ? !map.containsKey(key) : map.containsKey(key) && Objects.equals(map.get(key), a);
            if (holds) {
                map.put(key, b);
            }
            return holds;
        }
        if ("delete".equals(kind)) {
            return map.remove(key) != null || false;
        }
        if ("px_members".equals(kind)) {
            // A group change is applied by the log itself; the store does not see it.
            return "ok";
        }
        return "error: unknown op";
    }

    Map<Object, Object> contents() {
        return map;
    }

    private static Object at(List<?> l, int i) {
        return i < l.size() ? l.get(i) : null;
    }
}
