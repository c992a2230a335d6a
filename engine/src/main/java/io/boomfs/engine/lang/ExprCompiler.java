package io.boomfs.engine.lang;

import io.boomfs.engine.Values;
import io.boomfs.engine.lang.Ast.*;
import io.boomfs.engine.program.CExpr;
import io.boomfs.engine.program.EvalException;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/** Type-checks an expression and turns it into a {@link CExpr} over a rule's frame. */
final class ExprCompiler {
    /** The result: the compiled expression and its static type. */
    record Typed(CExpr expr, Type type) {
    }

    private final Functions functions;
    private final List<Diagnostic> diags;
    private final Map<String, Integer> slots;
    private final Map<String, Type> varTypes;

    ExprCompiler(Functions functions, List<Diagnostic> diags, Map<String, Integer> slots, Map<String, Type> varTypes) {
        this.functions = functions;
        this.diags = diags;
        this.slots = slots;
        this.varTypes = varTypes;
    }

    /** Collects the named variables of an expression (anonymous ones included). */
    static void vars(Expr e, java.util.Collection<String> out) {
        if (e instanceof Var v) {
            out.add(v.name());
        } else if (e instanceof Binary b) {
            vars(b.left(), out);
            vars(b.right(), out);
        } else if (e instanceof Unary u) {
            vars(u.operand(), out);
        } else if (e instanceof Ternary t) {
            vars(t.cond(), out);
            vars(t.then(), out);
            vars(t.otherwise(), out);
        } else if (e instanceof Call c) {
            c.args().forEach(a -> vars(a, out));
        } else if (e instanceof Aggregate a && a.var() != null) {
            out.add(a.var().name());
        }
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
            return binary(b);
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

    private Typed binary(Binary b) {
        Typed l = compile(b.left());
        Typed r = compile(b.right());
        CExpr le = l.expr();
        CExpr re = r.expr();
        Type lt = l.type();
        Type rt = r.type();
        String op = b.op();
        switch (op) {
            case "&&":
                expect(b.left().pos(), lt, Type.BOOL, "'&&'");
                expect(b.right().pos(), rt, Type.BOOL, "'&&'");
                return new Typed((f, now) -> Boolean.TRUE.equals(le.eval(f, now)) && Boolean.TRUE.equals(re.eval(f, now)),
                    Type.BOOL);
            case "||":
                expect(b.left().pos(), lt, Type.BOOL, "'||'");
                expect(b.right().pos(), rt, Type.BOOL, "'||'");
                return new Typed((f, now) -> Boolean.TRUE.equals(le.eval(f, now)) || Boolean.TRUE.equals(re.eval(f, now)),
                    Type.BOOL);
            case "==":
            case "!=":
                comparable(b, lt, rt);
                boolean eq = op.equals("==");
                return new Typed((f, now) -> Objects.equals(le.eval(f, now), re.eval(f, now)) == eq, Type.BOOL);
            case "<":
            case "<=":
            case ">":
            case ">=":
                comparable(b, lt, rt);
                return new Typed(compareOp(op, le, re), Type.BOOL);
            case "+":
                if (lt == Type.STRING || rt == Type.STRING || lt == Type.ADDR || rt == Type.ADDR) {
                    return new Typed((f, now) -> {
                        Object x = le.eval(f, now);
                        Object y = re.eval(f, now);
                        if (x == null || y == null) {
                            return null;
                        }
                        return str(x).concat(str(y));
                    }, Type.STRING);
                }
                return arith(b, lt, rt, le, re);
            default:
                return arith(b, lt, rt, le, re);
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

    private static CExpr compareOp(String op, CExpr le, CExpr re) {
        return (f, now) -> {
            Object x = le.eval(f, now);
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

    private Typed arith(Binary b, Type lt, Type rt, CExpr le, CExpr re) {
        String op = b.op();
        for (Type t : new Type[] {lt, rt}) {
            if (!t.isNumeric() && t != Type.ANY) {
                diags.add(Diagnostic.error(b.pos(), "'" + op + "' needs numbers, but one operand is a " + t));
                return new Typed((f, now) -> null, Type.ANY);
            }
        }
        Type type = lt == Type.DOUBLE || rt == Type.DOUBLE ? Type.DOUBLE : (lt == Type.ANY || rt == Type.ANY) ? Type.ANY : Type.LONG;
        char o = op.charAt(0);
        return new Typed((f, now) -> {
            Object x = le.eval(f, now);
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
        CExpr[] args = new CExpr[c.args().size()];
        for (int i = 0; i < args.length; i++) {
            args[i] = compile(c.args().get(i)).expr();
        }
        if (def == null) {
            diags.add(Diagnostic.error(c.pos(), "unknown function '" + c.name() + "'",
                "built-ins: now, hash, abs, min, max, str, len, concat, substr, starts_with, size, contains,"
                    + " to_long, to_double; Java functions must be registered by name"));
            return new Typed((f, now) -> null, Type.ANY);
        }
        int n = args.length;
        if (n < def.minArgs() || (def.maxArgs() >= 0 && n > def.maxArgs())) {
            String want = def.maxArgs() == def.minArgs() ? String.valueOf(def.minArgs())
                : def.maxArgs() < 0 ? "at least " + def.minArgs() : def.minArgs() + " to " + def.maxArgs();
            diags.add(Diagnostic.error(c.pos(), "function " + c.name() + " takes " + want + " argument(s), not " + n));
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
        return new Typed(ce, def.result());
    }

    static Object sortedSet(java.util.Collection<Object> values) {
        TreeSet<Object> s = new TreeSet<>(Values.ORDER);
        s.addAll(values);
        return java.util.Collections.unmodifiableSortedSet(s);
    }
}
