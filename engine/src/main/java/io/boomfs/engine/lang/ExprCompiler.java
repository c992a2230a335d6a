package io.boomfs.engine.lang;

import io.boomfs.engine.Values;
import io.boomfs.engine.lang.Ast.*;
import io.boomfs.engine.program.CExpr;
import io.boomfs.engine.program.EvalException;
import io.boomfs.engine.program.Lit;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Type-checks an expression and turns it into a {@link CExpr} over a rule's frame.
 *
 * <p>Depth: the parser bounds nesting (parentheses, arguments, '? :', unary operators), but a
 * flat chain such as {@code 1 + 1 + ... + 1} is a left-nested tree as deep as it is long. So
 * the walks here are iterative over the syntax tree, and a left-nested chain of binary operators
 * compiles to one {@link CExpr} that folds over its operands in a loop: neither compiling nor
 * evaluating an expression recurses along a chain.
 */
final class ExprCompiler {
    /** The result: the compiled expression and its static type. */
    record Typed(CExpr expr, Type type) {
    }

    /** One link of an operator chain: combines the value so far with its right operand. */
    @FunctionalInterface
    private interface Step {
        Object apply(Object left, Object[] frame, long nowMs);
    }

    private record TypedStep(Step step, Type type) {
    }

    private final Functions functions;
    private final List<Diagnostic> diags;
    private final Map<String, Integer> slots;
    private final Map<String, Type> varTypes;
    private final Predicate<String> isRelation;

    ExprCompiler(Functions functions, List<Diagnostic> diags, Map<String, Integer> slots, Map<String, Type> varTypes,
                 Predicate<String> isRelation) {
        this.functions = functions;
        this.diags = diags;
        this.slots = slots;
        this.varTypes = varTypes;
        this.isRelation = isRelation;
    }

    /** The direct sub-expressions of {@code e}, left to right. */
    private static List<Expr> children(Expr e) {
        if (e instanceof Binary b) {
            return List.of(b.left(), b.right());
        } else if (e instanceof Unary u) {
            return List.of(u.operand());
        } else if (e instanceof Ternary t) {
            return List.of(t.cond(), t.then(), t.otherwise());
        } else if (e instanceof Call c) {
            return c.args();
        }
        return List.of();
    }

    /** Calls {@code visit} on every node of {@code e} in pre-order, left to right, without recursion. */
    static void walk(Expr e, Consumer<Expr> visit) {
        Deque<Expr> stack = new ArrayDeque<>();
        stack.push(e);
        while (!stack.isEmpty()) {
            Expr x = stack.pop();
            visit.accept(x);
            List<Expr> cs = children(x);
            for (int i = cs.size() - 1; i >= 0; i--) {
                stack.push(cs.get(i));
            }
        }
    }

    /** Collects the named variables of an expression (anonymous ones included), left to right. */
    static void vars(Expr e, Collection<String> out) {
        walk(e, x -> {
            if (x instanceof Var v) {
                out.add(v.name());
            } else if (x instanceof Aggregate a && a.var() != null) {
                out.add(a.var().name());
            }
        });
    }

    /** The first aggregate written in {@code e}, or null. */
    static Aggregate firstAggregate(Expr e) {
        Aggregate[] found = new Aggregate[1];
        walk(e, x -> {
            if (found[0] == null && x instanceof Aggregate a) {
                found[0] = a;
            }
        });
        return found[0];
    }

    static Type typeOf(Object v) {
        if (v == null) {
            return Type.ANY;
        }
        if (v instanceof Long) {
            return Type.LONG;
        }
        if (v instanceof Double) {
            return Type.DOUBLE;
        }
        if (v instanceof String) {
            return Type.STRING;
        }
        if (v instanceof Boolean) {
            return Type.BOOL;
        }
        return Type.ANY;
    }

    Typed compile(Expr e) {
        if (e instanceof Var v) {
            int slot = slots.get(v.name());
            return new Typed((f, now) -> f[slot], varTypes.getOrDefault(v.name(), Type.ANY));
        }
        if (e instanceof Const c) {
            Object value = c.value();
            return new Typed((f, now) -> value, typeOf(value));
        }
        if (e instanceof Unary u) {
            return unary(u);
        }
        if (e instanceof Binary b) {
            return chain(b);
        }
        if (e instanceof Ternary t) {
            return ternary(t);
        }
        if (e instanceof Call c) {
            return call(c);
        }
        Aggregate a = (Aggregate) e;
        diags.add(Diagnostic.error(a.pos(), "aggregate " + a.fn() + "<...> may only be a head term"));
        return new Typed((f, now) -> null, Type.ANY);
    }

    private Typed unary(Unary u) {
        Typed x = compile(u.operand());
        CExpr ex = x.expr();
        if (u.op().equals("!")) {
            expect(u.operand().pos(), x.type(), Type.BOOL, "'!'");
            return new Typed((f, now) -> {
                Object v = ex.eval(f, now);
                return v == null ? null : !(Boolean) v;
            }, Type.BOOL);
        }
        if (!x.type().isNumeric() && x.type() != Type.ANY) {
            diags.add(Diagnostic.error(u.pos(), "'-' needs a number, but the operand is a " + x.type()));
        }
        return new Typed((f, now) -> {
            Object v = ex.eval(f, now);
            if (v instanceof Long l) {
                return -l;
            }
            return v instanceof Double d ? (Object) (-d) : null;
        }, x.type());
    }

    private void expect(Pos pos, Type actual, Type wanted, String what) {
        if (actual != Type.ANY && !wanted.accepts(actual)) {
            diags.add(Diagnostic.error(pos, what + " needs a " + wanted + ", but this is a " + actual));
        }
    }

    private Typed ternary(Ternary t) {
        Typed c = compile(t.cond());
        Typed a = compile(t.then());
        Typed b = compile(t.otherwise());
        expect(t.cond().pos(), c.type(), Type.BOOL, "the condition of '? :'");
        Type type = a.type() == Type.ANY ? b.type() : a.type();
        if (a.type() != Type.ANY && b.type() != Type.ANY && !a.type().accepts(b.type())) {
            diags.add(Diagnostic.error(t.pos(), "the branches of '? :' have different types: "
                + a.type() + " and " + b.type()));
        }
        CExpr ce = c.expr();
        CExpr ae = a.expr();
        CExpr be = b.expr();
        return new Typed((f, now) -> Boolean.TRUE.equals(ce.eval(f, now)) ? ae.eval(f, now) : be.eval(f, now), type);
    }

    /**
     * A binary operator and the operators below it on its left: {@code ((a op1 b) op2 c) ...}
     * compiles its leftmost operand, then each right operand, and evaluates in a loop.
     */
    private Typed chain(Binary top) {
        List<Binary> spine = new ArrayList<>();
        Expr cur = top;
        while (cur instanceof Binary b) {
            spine.add(b);
            cur = b.left();
        }
        Typed first = compile(cur);
        Type type = first.type();
        Step[] steps = new Step[spine.size()];
        boolean linkFailed = false;
        for (int i = spine.size() - 1, k = 0; i >= 0; i--, k++) {
            Binary b = spine.get(i);
            Typed right = compile(b.right());
            int before = diags.size();
            TypedStep ts = binary(b, type, right);
            if (linkFailed) {
                // One type error per chain: X == 1 == 1 == ... would repeat it for every link.
                diags.subList(before, diags.size()).clear();
            }
            linkFailed |= diags.size() > before;
            steps[k] = ts.step();
            type = ts.type();
        }
        CExpr fe = first.expr();
        if (steps.length == 1) {
            Step s0 = steps[0];
            return new Typed((f, now) -> s0.apply(fe.eval(f, now), f, now), type);
        }
        return new Typed((f, now) -> {
            Object v = fe.eval(f, now);
            for (Step st : steps) {
                v = st.apply(v, f, now);
            }
            return v;
        }, type);
    }

    /** Checks {@code b} with a left operand of type {@code lt}; the step evaluates the right operand. */
    private TypedStep binary(Binary b, Type lt, Typed r) {
        CExpr re = r.expr();
        Type rt = r.type();
        String op = b.op();
        switch (op) {
            case "&&":
                expect(b.left().pos(), lt, Type.BOOL, "'&&'");
                expect(b.right().pos(), rt, Type.BOOL, "'&&'");
                return new TypedStep((x, f, now) -> Boolean.TRUE.equals(x) && Boolean.TRUE.equals(re.eval(f, now)),
                    Type.BOOL);
            case "||":
                expect(b.left().pos(), lt, Type.BOOL, "'||'");
                expect(b.right().pos(), rt, Type.BOOL, "'||'");
                return new TypedStep((x, f, now) -> Boolean.TRUE.equals(x) || Boolean.TRUE.equals(re.eval(f, now)),
                    Type.BOOL);
            case "==":
            case "!=":
                comparable(b, lt, rt);
                boolean eq = op.equals("==");
                return new TypedStep((x, f, now) -> Objects.equals(x, re.eval(f, now)) == eq, Type.BOOL);
            case "<":
            case "<=":
            case ">":
            case ">=":
                comparable(b, lt, rt);
                return new TypedStep(compareOp(op, re), Type.BOOL);
            case "+":
                if (lt == Type.STRING || rt == Type.STRING || lt == Type.ADDR || rt == Type.ADDR) {
                    return new TypedStep((x, f, now) -> {
                        Object y = re.eval(f, now);
                        if (x == null || y == null) {
                            return null;
                        }
                        return str(x).concat(str(y));
                    }, Type.STRING);
                }
                return arith(b, lt, rt, re);
            default:
                return arith(b, lt, rt, re);
        }
    }

    private static String str(Object v) {
        return v instanceof String s ? s : Values.format(v);
    }

    private void comparable(Binary b, Type lt, Type rt) {
        if (lt == Type.ANY || rt == Type.ANY || lt.accepts(rt)) {
            return;
        }
        String hint = lt.isNumeric() && rt.isNumeric() ? "convert one side with to_double(...) or to_long(...)" : null;
        diags.add(Diagnostic.error(b.pos(), "cannot compare a " + lt + " with a " + rt + " using '" + b.op() + "'", hint));
    }

    private static Step compareOp(String op, CExpr re) {
        return (x, f, now) -> {
            Object y = re.eval(f, now);
            if (x == null || y == null) {
                return false;
            }
            int c = Values.compare(x, y);
            return switch (op) {
                case "<" -> c < 0;
                case "<=" -> c <= 0;
                case ">" -> c > 0;
                default -> c >= 0;
            };
        };
    }

    private TypedStep arith(Binary b, Type lt, Type rt, CExpr re) {
        String op = b.op();
        for (Type t : new Type[] {lt, rt}) {
            if (!t.isNumeric() && t != Type.ANY) {
                diags.add(Diagnostic.error(b.pos(), "'" + op + "' needs numbers, but one operand is a " + t));
                return new TypedStep((x, f, now) -> null, Type.ANY);
            }
        }
        Type type = lt == Type.DOUBLE || rt == Type.DOUBLE ? Type.DOUBLE : (lt == Type.ANY || rt == Type.ANY) ? Type.ANY : Type.LONG;
        char o = op.charAt(0);
        return new TypedStep((x, f, now) -> {
            Object y = re.eval(f, now);
            if (!(x instanceof Number) || !(y instanceof Number)) {
                return null;
            }
            if (x instanceof Long a && y instanceof Long c) {
                long p = a;
                long q = c;
                return switch (o) {
                    case '+' -> p + q;
                    case '-' -> p - q;
                    case '*' -> p * q;
                    case '/' -> {
                        if (q == 0) {
                            throw new EvalException("division by zero");
                        }
                        yield p / q;
                    }
                    default -> {
                        if (q == 0) {
                            throw new EvalException("remainder by zero");
                        }
                        yield p % q;
                    }
                };
            }
            double p = ((Number) x).doubleValue();
            double q = ((Number) y).doubleValue();
            return switch (o) {
                case '+' -> p + q;
                case '-' -> p - q;
                case '*' -> p * q;
                case '/' -> p / q;
                default -> p % q;
            };
        }, type);
    }

    private Typed call(Call c) {
        Functions.Def def = functions.get(c.name());
        int n = c.args().size();
        CExpr[] args = new CExpr[n];
        Type[] argTypes = new Type[n];
        for (int i = 0; i < n; i++) {
            Typed t = compile(c.args().get(i));
            args[i] = t.expr();
            argTypes[i] = t.type();
        }
        if (def == null) {
            if (isRelation.test(c.name())) {
                diags.add(Diagnostic.error(c.pos(), "'" + c.name() + "' is a relation, and a relation cannot be used inside an expression",
                    "write " + c.name() + "(...) as a body literal of its own and use its variables in the expression"));
            } else {
                diags.add(Diagnostic.error(c.pos(), "unknown function '" + c.name() + "'",
                    "built-ins: now, hash, abs, min, max, str, len, concat, substr, starts_with, size, contains,"
                        + " to_long, to_double; Java functions must be registered by name"));
            }
            return new Typed((f, now) -> null, Type.ANY);
        }
        boolean argsOk = true;
        if (n < def.minArgs() || (def.maxArgs() >= 0 && n > def.maxArgs())) {
            argsOk = false;
            String want = def.maxArgs() == def.minArgs() ? String.valueOf(def.minArgs())
                : def.maxArgs() < 0 ? "at least " + def.minArgs() : def.minArgs() + " to " + def.maxArgs();
            diags.add(Diagnostic.error(c.pos(), "function " + c.name() + " takes " + want + " argument(s), not " + n));
        } else {
            for (int i = 0; i < n; i++) {
                Functions.Arg want = def.arg(i);
                if (!want.accepts(argTypes[i])) {
                    argsOk = false;
                    diags.add(Diagnostic.error(c.args().get(i).pos(), "function " + c.name() + " takes " + want.describe()
                        + (def.maxArgs() == 1 ? "" : " as argument " + (i + 1)) + ", but this argument is a " + argTypes[i]));
                }
            }
        }
        Functions.Fn fn = def.fn();
        String name = c.name();
        CExpr ce = (f, now) -> {
            Object[] vals = new Object[args.length];
            for (int i = 0; i < vals.length; i++) {
                vals[i] = args[i].eval(f, now);
            }
            try {
                return fn.apply(vals, now);
            } catch (EvalException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new EvalException("function " + name + " failed: " + e);
            }
        };
        return new Typed(ce, def.sameTypeAsArgs() && argsOk ? commonType(argTypes) : def.result());
    }

    /** The type all of {@code types} share, or ANY when they differ or one is ANY. */
    private static Type commonType(Type[] types) {
        Type t = null;
        for (Type x : types) {
            if (x == Type.ANY || (t != null && t != x)) {
                return Type.ANY;
            }
            t = x;
        }
        return t == null ? Type.ANY : t;
    }

    /** Sides longer than this are not described (the description recurses; chains may be deep). */
    private static final int MAX_SIDE_NODES = 64;

    /**
     * {@code e} as one side of an equality literal (see {@link Lit.Side}), or null when it cannot
     * serve in an expression index: too big, or holding an aggregate or a constant of no
     * plain type.
     */
    Lit.Side side(Expr e) {
        int[] nodes = {0};
        walk(e, x -> nodes[0]++);
        if (nodes[0] > MAX_SIDE_NODES) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        List<Integer> partSlots = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean[] pure = {true};
        if (!describe(e, cur, parts, partSlots, pure)) {
            return null;
        }
        parts.add(cur.toString());
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        vars(e, names);
        int[] vs = names.stream().mapToInt(slots::get).toArray();
        return new Lit.Side(compile(e).expr(), vs, parts.toArray(new String[0]),
            partSlots.stream().mapToInt(Integer::intValue).toArray(), pure[0]);
    }

    private boolean describe(Expr e, StringBuilder cur, List<String> parts, List<Integer> partSlots, boolean[] pure) {
        if (e instanceof Var v) {
            parts.add(cur.toString());
            cur.setLength(0);
            partSlots.add(slots.get(v.name()));
            cur.append(':').append(varTypes.getOrDefault(v.name(), Type.ANY));
            return true;
        }
        if (e instanceof Const c) {
            Object v = c.value();
            if (v == null) {
                cur.append("null");
            } else if (v instanceof Long l) {
                cur.append('L').append(l);
            } else if (v instanceof Double d) {
                cur.append('D').append(d);
            } else if (v instanceof Boolean b) {
                cur.append('B').append(b);
            } else if (v instanceof String str) {
                cur.append('S').append(str.length()).append(':').append(str);
            } else {
                return false;
            }
            return true;
        }
        if (e instanceof Unary u) {
            cur.append('(').append(u.op());
            boolean ok = describe(u.operand(), cur, parts, partSlots, pure);
            cur.append(')');
            return ok;
        }
        if (e instanceof Binary b) {
            cur.append('(');
            boolean ok = describe(b.left(), cur, parts, partSlots, pure);
            cur.append(' ').append(b.op()).append(' ');
            ok &= describe(b.right(), cur, parts, partSlots, pure);
            cur.append(')');
            return ok;
        }
        if (e instanceof Ternary t) {
            cur.append('(');
            boolean ok = describe(t.cond(), cur, parts, partSlots, pure);
            cur.append(" ? ");
            ok &= describe(t.then(), cur, parts, partSlots, pure);
            cur.append(" : ");
            ok &= describe(t.otherwise(), cur, parts, partSlots, pure);
            cur.append(')');
            return ok;
        }
        if (e instanceof Call call) {
            Functions.Def def = functions.get(call.name());
            if (def == null) {
                return false;
            }
            pure[0] &= def.pure();
            cur.append(call.name()).append('(');
            boolean ok = true;
            for (int i = 0; i < call.args().size(); i++) {
                cur.append(i > 0 ? ", " : "");
                ok &= describe(call.args().get(i), cur, parts, partSlots, pure);
            }
            cur.append(')');
            return ok;
        }
        return false;
    }

    static Object sortedSet(java.util.Collection<Object> values) {
        TreeSet<Object> s = new TreeSet<>(Values.ORDER);
        s.addAll(values);
        return java.util.Collections.unmodifiableSortedSet(s);
    }
}
