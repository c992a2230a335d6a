package io.boomfs.engine.lang;

import io.boomfs.engine.Values;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The functions an Overlog expression may call: the built-ins and Java functions registered by
 * name. A registry is given to the compiler; programs compiled with it may call its functions.
 */
public final class Functions {
    /** A function body. {@code nowMs} is the step's time (for {@code now()}). */
    @FunctionalInterface
    public interface Fn {
        Object apply(Object[] args, long nowMs);
    }

    /** A registered function: arity range ({@code maxArgs} -1 for any) and result type. */
    public record Def(String name, int minArgs, int maxArgs, Type result, Fn fn) {
    }

    private final Map<String, Def> defs = new HashMap<>();

    /** A registry holding the built-ins. */
    public Functions() {
        def("now", 0, 0, Type.LONG, (a, now) -> now);
        def("hash", 1, -1, Type.LONG, (a, now) -> a.length == 1 ? Values.hash(a[0]) : Values.hashAll(a));
        def("abs", 1, 1, Type.ANY, (a, now) -> a[0] instanceof Long l ? (Object) Math.abs(l)
            : a[0] instanceof Double d ? (Object) Math.abs(d) : null);
        def("min", 2, -1, Type.ANY, (a, now) -> extreme(a, -1));
        def("max", 2, -1, Type.ANY, (a, now) -> extreme(a, 1));
        def("str", 1, 1, Type.STRING, (a, now) -> a[0] instanceof String s ? s : Values.format(a[0]));
        def("len", 1, 1, Type.LONG, (a, now) -> a[0] == null ? null : (long) ((String) a[0]).length());
        def("concat", 0, -1, Type.STRING, (a, now) -> {
            StringBuilder sb = new StringBuilder();
            for (Object o : a) {
                sb.append(o instanceof String s ? s : Values.format(o));
            }
            return sb.toString();
        });
        def("substr", 3, 3, Type.STRING, (a, now) -> {
            if (a[0] == null || a[1] == null || a[2] == null) {
                return null;
            }
            String s = (String) a[0];
            int from = (int) Math.max(0, Math.min(s.length(), (Long) a[1]));
            int to = (int) Math.max(from, Math.min(s.length(), (Long) a[2]));
            return s.substring(from, to);
        });
        def("starts_with", 2, 2, Type.BOOL, (a, now) -> a[0] != null && a[1] != null
            && ((String) a[0]).startsWith((String) a[1]));
        def("size", 1, 1, Type.LONG, (a, now) -> a[0] instanceof Collection<?> c ? (long) c.size()
            : a[0] instanceof String s ? (long) s.length() : null);
        def("contains", 2, 2, Type.BOOL, (a, now) -> a[0] instanceof Collection<?> c ? c.contains(a[1])
            : a[0] instanceof String s && a[1] instanceof String x && s.contains(x));
        def("to_long", 1, 1, Type.LONG, (a, now) -> a[0] instanceof Number n ? n.longValue()
            : a[0] instanceof String s ? parseLong(s) : null);
        def("to_double", 1, 1, Type.DOUBLE, (a, now) -> a[0] instanceof Number n ? n.doubleValue() : null);
        def("list", 0, -1, Type.ANY, (a, now) -> listOf(a));
        def("set", 0, -1, Type.ANY, (a, now) -> setOf(a));
    }

    private static Long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static List<Object> listOf(Object[] a) {
        List<Object> l = new ArrayList<>(a.length);
        Collections.addAll(l, a);
        return Collections.unmodifiableList(l);
    }

    private static Object setOf(Object[] a) {
        TreeSet<Object> s = new TreeSet<>(Values.ORDER);
        Collections.addAll(s, a);
        return Collections.unmodifiableSortedSet(s);
    }

    private static Object extreme(Object[] a, int sign) {
        Object best = null;
        for (Object o : a) {
            if (o != null && (best == null || Values.compare(o, best) * sign > 0)) {
                best = o;
            }
        }
        return best;
    }

    private void def(String name, int min, int max, Type result, Fn fn) {
        defs.put(name, new Def(name, min, max, result, fn));
    }

    /** Registers a Java function callable from rules as {@code name(args)}. */
    public Functions register(String name, int minArgs, int maxArgs, Type result, Fn fn) {
        if (name.isEmpty() || !Character.isLowerCase(name.charAt(0))) {
            throw new IllegalArgumentException("function names start with a lowercase letter: " + name);
        }
        def(name, minArgs, maxArgs, result, fn);
        return this;
    }

    public Def get(String name) {
        return defs.get(name);
    }

    public boolean has(String name) {
        return defs.containsKey(name);
    }
}
