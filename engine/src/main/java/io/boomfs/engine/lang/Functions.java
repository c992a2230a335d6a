package io.boomfs.engine.lang;

import io.boomfs.engine.ValueList;
import io.boomfs.engine.Values;
import io.boomfs.engine.program.EvalException;

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

    /** What a function accepts as one argument; the checker compares it with the argument's type. */
    public enum Arg {
        ANY("any value"), NUMBER("a number"), LONG("a long"), DOUBLE("a double"), STRING("a string"), BOOL("a bool");

        private final String text;

        Arg(String text) {
            this.text = text;
        }

        /** The argument kind of a declared column-style type ({@code addr} is a string). */
        public static Arg of(Type t) {
            return switch (t) {
                case LONG -> LONG;
                case DOUBLE -> DOUBLE;
                case STRING, ADDR -> STRING;
                case BOOL -> BOOL;
                case ANY -> ANY;
            };
        }

        /** Whether an argument of static type {@code t} may be passed ({@code any} always may). */
        public boolean accepts(Type t) {
            if (this == ANY || t == Type.ANY) {
                return true;
            }
            return switch (this) {
                case NUMBER -> t.isNumeric();
                case LONG -> t == Type.LONG;
                case DOUBLE -> t == Type.DOUBLE;
                case STRING -> t == Type.STRING || t == Type.ADDR;
                case BOOL -> t == Type.BOOL;
                default -> true;
            };
        }

        /** For messages: "a string", "a number", ... */
        public String describe() {
            return text;
        }
    }

    /**
     * A registered function: arity range ({@code maxArgs} -1 for any), the kind of each argument
     * ({@code args.get(i)} for argument i, the last one repeating for further arguments; all ANY
     * when empty), and the result type; {@code sameTypeAsArgs} when the result has the type that
     * all arguments share (ANY when they differ), as for {@code abs}, {@code min}, {@code max};
     * {@code pure} when its result depends on its arguments alone (not on the time, a random
     * source or any state), which lets the planner keep its values in an expression index.
     */
    public record Def(String name, int minArgs, int maxArgs, Type result, Fn fn, List<Arg> args, boolean sameTypeAsArgs,
                      boolean pure) {
        public Def {
            args = List.copyOf(args);
        }

        Def impure() {
            return new Def(name, minArgs, maxArgs, result, fn, args, sameTypeAsArgs, false);
        }

        /** What argument {@code i} must be. */
        public Arg arg(int i) {
            return args.isEmpty() ? Arg.ANY : args.get(Math.min(i, args.size() - 1));
        }
    }

    private final Map<String, Def> defs = new HashMap<>();

    /** A registry holding the built-ins. */
    public Functions() {
        def("now", 0, 0, Type.LONG, (a, now) -> now);
        // now() is the one built-in whose result is not a function of its arguments.
        defs.put("now", defs.get("now").impure());
        def("hash", 1, -1, Type.LONG, (a, now) -> a.length == 1 ? Values.hash(a[0]) : Values.hashAll(a), Arg.ANY);
        defs.put("abs", new Def("abs", 1, 1, Type.ANY, (a, now) -> a[0] == null ? null : a[0] instanceof Long l
            ? (Object) Math.abs(l) : (Object) Math.abs(number("abs", a[0]).doubleValue()), List.of(Arg.NUMBER), true, true));
        defs.put("min", new Def("min", 2, -1, Type.ANY, (a, now) -> extreme(a, -1), List.of(Arg.ANY), true, true));
        defs.put("max", new Def("max", 2, -1, Type.ANY, (a, now) -> extreme(a, 1), List.of(Arg.ANY), true, true));
        def("str", 1, 1, Type.STRING, (a, now) -> a[0] instanceof String s ? s : Values.format(a[0]), Arg.ANY);
        def("len", 1, 1, Type.LONG, (a, now) -> a[0] == null ? null : (Object) (long) string("len", a[0]).length(),
            Arg.STRING);
        def("concat", 0, -1, Type.STRING, (a, now) -> {
            StringBuilder sb = new StringBuilder();
            for (Object o : a) {
                sb.append(o instanceof String s ? s : Values.format(o));
            }
            return sb.toString();
        }, Arg.ANY);
        def("substr", 3, 3, Type.STRING, (a, now) -> {
            if (a[0] == null || a[1] == null || a[2] == null) {
                return null;
            }
            String s = string("substr", a[0]);
            long fromArg = longArg("substr", a[1]);
            long toArg = longArg("substr", a[2]);
            int from = (int) Math.max(0, Math.min(s.length(), fromArg));
            int to = (int) Math.max(from, Math.min(s.length(), toArg));
            return s.substring(from, to);
        }, Arg.STRING, Arg.LONG, Arg.LONG);
        def("starts_with", 2, 2, Type.BOOL, (a, now) -> a[0] != null && a[1] != null
            && string("starts_with", a[0]).startsWith(string("starts_with", a[1])), Arg.STRING, Arg.STRING);
        def("size", 1, 1, Type.LONG, (a, now) -> a[0] instanceof Collection<?> c ? (long) c.size()
            : a[0] instanceof String s ? (long) s.length() : null, Arg.ANY);
        def("contains", 2, 2, Type.BOOL, (a, now) -> a[0] instanceof Collection<?> c ? c.contains(a[1])
            : a[0] instanceof String s && a[1] instanceof String x && s.contains(x), Arg.ANY, Arg.ANY);
        def("to_long", 1, 1, Type.LONG, (a, now) -> a[0] instanceof Number n ? n.longValue()
            : a[0] instanceof String s ? parseLong(s) : null, Arg.ANY);
        def("to_double", 1, 1, Type.DOUBLE, (a, now) -> a[0] instanceof Number n ? n.doubleValue() : null, Arg.ANY);
        def("list", 0, -1, Type.ANY, (a, now) -> listOf(a), Arg.ANY);
        def("set", 0, -1, Type.ANY, (a, now) -> setOf(a), Arg.ANY);
    }

    /** A string argument of {@code fn} at run time (an {@code any} value may be something else). */
    private static String string(String fn, Object v) {
        if (v instanceof String s) {
            return s;
        }
        throw new EvalException("function " + fn + " takes a string, not " + Values.format(v));
    }

    private static long longArg(String fn, Object v) {
        if (v instanceof Long l) {
            return l;
        }
        throw new EvalException("function " + fn + " takes a long, not " + Values.format(v));
    }

    private static Number number(String fn, Object v) {
        if (v instanceof Number n) {
            return n;
        }
        throw new EvalException("function " + fn + " takes a number, not " + Values.format(v));
    }

    private static Long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static List<Object> listOf(Object[] a) {
        return ValueList.of(a);
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

    /** Defines a built-in: every built-in but now() is pure. */
    private void def(String name, int min, int max, Type result, Fn fn, Arg... args) {
        defs.put(name, new Def(name, min, max, result, fn, List.of(args), false, true));
    }

    /**
     * Registers a Java function callable from rules as {@code name(args)}, taking between
     * {@code minArgs} and {@code maxArgs} (-1: any number) arguments of any type.
     */
    public Functions register(String name, int minArgs, int maxArgs, Type result, Fn fn) {
        checkName(name);
        defs.put(name, new Def(name, minArgs, maxArgs, result, fn, List.of(), false, false));
        return this;
    }

    /**
     * Registers a Java function with exactly one argument per entry of {@code params}, each of
     * that type ({@code Type.ANY} for any value); the checker rejects other argument types.
     */
    public Functions register(String name, Type result, Fn fn, Type... params) {
        checkName(name);
        List<Arg> args = new ArrayList<>();
        for (Type t : params) {
            args.add(Arg.of(t));
        }
        defs.put(name, new Def(name, params.length, params.length, result, fn, args, false, false));
        return this;
    }

    /**
     * Declares registered functions pure: each result depends on the arguments alone, never on
     * the time, a random source or other state. The planner may then keep the function's values
     * on a relation's rows in an expression index (engine/LANGUAGE.md, "Expression indexes"),
     * so a function wrongly declared pure gives wrong answers. Registered functions are impure
     * until declared so.
     */
    public Functions pure(String... names) {
        for (String name : names) {
            Def d = defs.get(name);
            if (d == null) {
                throw new IllegalArgumentException("cannot declare function " + name + " pure: it is not registered");
            }
            defs.put(name, new Def(d.name(), d.minArgs(), d.maxArgs(), d.result(), d.fn(), d.args(), d.sameTypeAsArgs(), true));
        }
        return this;
    }

    private static void checkName(String name) {
        if (name.isEmpty() || !Character.isLowerCase(name.charAt(0))) {
            throw new IllegalArgumentException("function names start with a lowercase letter: " + name);
        }
    }

    public Def get(String name) {
        return defs.get(name);
    }

    public boolean has(String name) {
        return defs.containsKey(name);
    }
}
