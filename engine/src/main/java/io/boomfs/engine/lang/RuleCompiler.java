package io.boomfs.engine.lang;

import io.boomfs.engine.lang.Ast.*;
import io.boomfs.engine.program.Action;
import io.boomfs.engine.program.CExpr;
import io.boomfs.engine.program.Lit;
import io.boomfs.engine.program.Relation;
import io.boomfs.engine.program.Rule;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/** Checks one rule (safety, types, location, kinds) and lowers it into the compiled program. */
final class RuleCompiler {
    private final Compiler c;
    private final Ast.Rule r;
    private final List<Diagnostic> diags;
    private final Map<String, Integer> slots = new LinkedHashMap<>();
    private final Map<String, Type> types = new HashMap<>();
    private final Map<String, Pos> typeWhere = new HashMap<>();
    private int errors;

    /** A body literal after name resolution. */
    private record Resolved(Literal lit, Relation rel, boolean negated, Expr cond) {
    }

    RuleCompiler(Compiler c, Ast.Rule r) {
        this.c = c;
        this.r = r;
        this.diags = c.diags();
    }

    private void error(Pos pos, String msg, String hint) {
        diags.add(Diagnostic.error(pos, msg, hint));
        errors++;
    }

    /** Bodies are evaluated one literal per stack frame; no real rule comes near this. */
    static final int MAX_BODY_LITERALS = 1000;

    void compile() {
        Relation head = c.relation(r.head().name());
        if (head == null) {
            c.reportUnknown(r.head().pos(), r.head().name());
            return;
        }
        if (r.body().size() > MAX_BODY_LITERALS) {
            error(r.pos(), "rule body has " + r.body().size() + " literals; at most " + MAX_BODY_LITERALS
                + " are allowed", "split the rule through an intermediate view");
            return;
        }
        if (misplacedAggregate()) {
            return;
        }
        List<Resolved> body = resolveBody();
        if (body == null) {
            return;
        }
        if (r.head().terms().size() != head.arity()) {
            diags.add(c.arityError(r.head().pos(), head, r.head().terms().size()));
            return;
        }
        if (r.head().located() && !head.located) {
            diags.add(Compiler.notLocated(r.head().pos(), head));
            errors++;
        }
        headKindChecks(head);
        for (Resolved b : body) {
            if (b.rel != null) {
                for (Expr t : ((b.lit instanceof Positive p) ? p.atom() : ((Negated) b.lit).atom()).terms()) {
                    collectSlots(t);
                }
            }
        }
        for (Resolved b : body) {
            if (b.rel == null) {
                Set<String> vs = new LinkedHashSet<>();
                if (b.lit instanceof Assign a) {
                    vs.add(a.var());
                    ExprCompiler.vars(a.expr(), vs);
                } else {
                    ExprCompiler.vars(b.cond, vs);
                }
                vs.forEach(this::slot);
            }
        }
        for (Expr t : r.head().terms()) {
            Set<String> vs = new LinkedHashSet<>();
            ExprCompiler.vars(t, vs);
            vs.forEach(this::slot);
        }
        atomTypes(body);
        Set<String> bound = safety(body, head);
        if (errors > 0) {
            return;
        }
        boolean sends = location(body, head);
        if (errors > 0) {
            return;
        }
        lower(body, head, sends, bound);
    }

    /**
     * Reports an aggregate written anywhere but as a whole head term (in the body, or inside a
     * head expression); returns whether there was one.
     */
    private boolean misplacedAggregate() {
        List<Expr> bodyExprs = new ArrayList<>();
        for (Literal l : r.body()) {
            if (l instanceof Positive p) {
                bodyExprs.addAll(p.atom().terms());
            } else if (l instanceof Negated n) {
                bodyExprs.addAll(n.atom().terms());
            } else if (l instanceof Condition cd) {
                bodyExprs.add(cd.expr());
            } else if (l instanceof Assign a) {
                bodyExprs.add(a.expr());
            }
        }
        for (Expr e : bodyExprs) {
            Aggregate ag = ExprCompiler.firstAggregate(e);
            if (ag != null) {
                error(ag.pos(), "aggregate " + ag.fn() + "<...> may only be a head term", null);
                return true;
            }
        }
        for (Expr t : r.head().terms()) {
            Aggregate ag = t instanceof Aggregate ? null : ExprCompiler.firstAggregate(t);
            if (ag != null) {
                error(ag.pos(), "aggregate " + ag.fn() + "<...> must be a whole head term, not part of an expression",
                    "aggregate into a view, then compute with the result in another rule");
                return true;
            }
        }
        return false;
    }

    private void collectSlots(Expr e) {
        Set<String> vs = new LinkedHashSet<>();
        ExprCompiler.vars(e, vs);
        vs.forEach(this::slot);
    }

    private int slot(String v) {
        return slots.computeIfAbsent(v, k -> slots.size());
    }

    private List<Resolved> resolveBody() {
        List<Resolved> out = new ArrayList<>();
        boolean ok = true;
        for (Literal l : r.body()) {
            if (l instanceof Positive p) {
                Relation rel = c.relation(p.atom().name());
                if (rel == null && c.functions().has(p.atom().name()) && !p.atom().located()) {
                    Call call = new Call(p.atom().pos(), p.atom().name(), p.atom().terms());
                    out.add(new Resolved(new Condition(p.pos(), call), null, false, call));
                    continue;
                }
                ok &= atomOk(p.atom(), rel);
                out.add(new Resolved(l, rel, false, null));
            } else if (l instanceof Negated n) {
                Relation rel = c.relation(n.atom().name());
                ok &= atomOk(n.atom(), rel);
                out.add(new Resolved(l, rel, true, null));
            } else if (l instanceof Condition cd) {
                out.add(new Resolved(l, null, false, cd.expr()));
            } else {
                out.add(new Resolved(l, null, false, null));
            }
        }
        return ok ? out : null;
    }

    private boolean atomOk(Ast.Atom a, Relation rel) {
        if (rel == null) {
            c.reportUnknown(a.pos(), a.name());
            return false;
        }
        if (a.terms().size() != rel.arity()) {
            diags.add(c.arityError(a.pos(), rel, a.terms().size()));
            return false;
        }
        if (a.located() && !rel.located) {
            diags.add(Compiler.notLocated(a.pos(), rel));
            errors++;
        }
        for (Expr t : a.terms()) {
            if (!(t instanceof Var) && !(t instanceof Const)) {
                error(t.pos(), "a body atom's terms must be variables, _ or constants",
                    "bind the expression to a variable first: X = expr");
                return false;
            }
        }
        return true;
    }

    private void headKindChecks(Relation head) {
        Pos pos = r.head().pos();
        if (head.kind == Relation.Kind.BUILTIN) {
            error(pos, "'" + head.name + "' is maintained by the node and cannot be the head of a rule", null);
        } else if (head.isTimer()) {
            error(pos, "timer '" + head.name + "' fires by itself and cannot be the head of a rule",
                "declare an event and derive it from the timer");
        } else if (head.kind == Relation.Kind.VIEW && (r.delete() || r.next())) {
            error(pos, (r.delete() ? "'delete'" : "'@next'") + " cannot change view '" + head.name
                + "': a view is exactly what its rules derive", "declare " + head.name + " as a table");
        } else if ((head.kind == Relation.Kind.EVENT || head.kind == Relation.Kind.DERIVED_EVENT) && r.delete()) {
            error(pos, "deleting from event '" + head.name + "' makes no sense: an event lasts one step", null);
        }
        boolean agg = r.head().terms().stream().anyMatch(t -> t instanceof Aggregate);
        if (agg && r.delete()) {
            error(pos, "an aggregate cannot be used in a delete rule",
                "compute the aggregate into a view, then delete with a plain head");
        }
    }

    private void atomTypes(List<Resolved> body) {
        for (Resolved b : body) {
            if (b.rel == null) {
                continue;
            }
            Ast.Atom a = b.lit instanceof Positive p ? p.atom() : ((Negated) b.lit).atom();
            for (int i = 0; i < a.terms().size(); i++) {
                Expr t = a.terms().get(i);
                Type col = b.rel.types[i];
                if (t instanceof Var v) {
                    if (col == Type.ANY || v.anonymous()) {
                        continue;
                    }
                    Type prev = types.get(v.name());
                    if (prev == null) {
                        types.put(v.name(), col);
                        typeWhere.put(v.name(), t.pos());
                    } else if (!prev.accepts(col)) {
                        error(t.pos(), "variable " + v.name() + " is a " + col + " here (column " + b.rel.columns[i]
                            + " of " + b.rel.name + ") but a " + prev + " at " + typeWhere.get(v.name()), null);
                    }
                } else if (t instanceof Const k) {
                    Type kt = ExprCompiler.typeOf(k.value());
                    if (!col.accepts(kt)) {
                        error(t.pos(), "column " + b.rel.columns[i] + " of " + b.rel.name + " is a " + col
                            + ", but this constant is a " + kt, null);
                    }
                }
            }
        }
    }

    /** Checks that every variable is bound; returns the variables the positive body binds. */
    private Set<String> safety(List<Resolved> body, Relation head) {
        Set<String> bound = new HashSet<>();
        Set<String> inAtoms = new HashSet<>();
        for (Resolved b : body) {
            if (b.rel != null && !b.negated) {
                for (Expr t : ((Positive) b.lit).atom().terms()) {
                    if (t instanceof Var v) {
                        bound.add(v.name());
                        inAtoms.add(v.name());
                    }
                }
            }
        }
        List<Assign> assigns = new ArrayList<>();
        for (Resolved b : body) {
            if (b.lit instanceof Assign a) {
                if (a.bindOnly() && inAtoms.contains(a.var())) {
                    error(a.pos(), "':=' always binds, but " + a.var() + " is already bound by an atom",
                        "use '=' to compare, or a new variable");
                }
                assigns.add(a);
            }
        }
        // An assignment is ready when its expression's variables are bound. Assignments are
        // taken in passes over the body, as a person reads it: in one pass, in body order, every
        // assignment that is ready when reached; one that only becomes ready through a later
        // assignment waits for the next pass. Each assignment counts its unbound variables, so
        // this costs O(n log n), not one scan of the body per pass.
        int n = assigns.size();
        int[] unbound = new int[n];
        Map<String, List<Integer>> waiting = new HashMap<>();
        PriorityQueue<Integer> thisPass = new PriorityQueue<>();
        PriorityQueue<Integer> nextPass = new PriorityQueue<>();
        for (int k = 0; k < n; k++) {
            Set<String> vs = new HashSet<>();
            ExprCompiler.vars(assigns.get(k).expr(), vs);
            for (String v : vs) {
                if (!bound.contains(v)) {
                    unbound[k]++;
                    waiting.computeIfAbsent(v, x -> new ArrayList<>()).add(k);
                }
            }
            if (unbound[k] == 0) {
                thisPass.add(k);
            }
        }
        boolean[] done = new boolean[n];
        Set<String> assignedOnce = new HashSet<>();
        while (!thisPass.isEmpty() || !nextPass.isEmpty()) {
            if (thisPass.isEmpty()) {
                PriorityQueue<Integer> t = thisPass;
                thisPass = nextPass;
                nextPass = t;
            }
            int k = thisPass.poll();
            Assign a = assigns.get(k);
            done[k] = true;
            if (a.bindOnly() && bound.contains(a.var()) && !assignedOnce.add(a.var())) {
                error(a.pos(), "':=' always binds, but " + a.var() + " is already bound", null);
            }
            assignedOnce.add(a.var());
            if (!bound.contains(a.var())) {
                Type t = new ExprCompiler(c.functions(), new ArrayList<>(), slots, types, c::isRelation).compile(a.expr()).type();
                if (t != Type.ANY) {
                    types.put(a.var(), t);
                }
                bound.add(a.var());
                for (int w : waiting.getOrDefault(a.var(), List.of())) {
                    if (--unbound[w] == 0) {
                        (w > k ? thisPass : nextPass).add(w);
                    }
                }
            }
        }
        List<Assign> pending = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            if (!done[k]) {
                pending.add(assigns.get(k));
            }
        }
        for (Assign a : pending) {
            Set<String> vs = new LinkedHashSet<>();
            ExprCompiler.vars(a.expr(), vs);
            vs.removeAll(bound);
            error(a.pos(), "unsafe rule: variable " + String.join(", ", vs.stream().map(RuleCompiler::display).toList())
                + " in the assignment to " + a.var()
                + " is not bound", "bind it in a positive atom of the body");
        }
        for (Resolved b : body) {
            if (b.cond != null) {
                Set<String> vs = new LinkedHashSet<>();
                ExprCompiler.vars(b.cond, vs);
                for (String v : vs) {
                    if (!bound.contains(v)) {
                        error(b.lit.pos(), "unsafe rule: variable " + display(v) + " in a condition is not bound",
                            "bind it in a positive atom or with " + display(v) + " = expr");
                        break;
                    }
                }
            }
            if (b.negated) {
                for (Expr t : ((Negated) b.lit).atom().terms()) {
                    if (t instanceof Var v && !v.anonymous() && !bound.contains(v.name())) {
                        error(t.pos(), "unsafe rule: variable " + v.name() + " in notin " + b.rel.name
                            + "(...) is not bound by the rest of the body", "write _ for a column you do not care about");
                    }
                }
            }
        }
        for (Expr t : r.head().terms()) {
            Set<String> vs = new LinkedHashSet<>();
            ExprCompiler.vars(t, vs);
            for (String v : vs) {
                if (v.startsWith("_$")) {
                    error(t.pos(), "'_' cannot be used in a rule head", "name the variable and bind it in the body");
                } else if (!bound.contains(v)) {
                    error(t.pos(), "unsafe rule: head variable " + v + " is not bound by the body",
                        "bind it in a positive atom or with " + v + " = expr");
                }
            }
        }
        return bound;
    }

    private static String display(String v) {
        return v.startsWith("_$") ? "_" : v;
    }

    /** Checks the location rules; returns whether the head is sent. */
    private boolean location(List<Resolved> body, Relation head) {
        String loc = null;
        Pos locPos = null;
        for (Resolved b : body) {
            if (b.rel == null || !b.rel.located) {
                continue;
            }
            Ast.Atom a = b.lit instanceof Positive p ? p.atom() : ((Negated) b.lit).atom();
            Expr first = a.terms().get(0);
            if (!(first instanceof Var v) || v.anonymous()) {
                error(first.pos(), "the location (first term) of a located body atom must be a named variable",
                    "write @Me and bind it with self(@Me)");
                return false;
            }
            if (loc == null) {
                loc = v.name();
                locPos = first.pos();
            } else if (!loc.equals(v.name())) {
                error(first.pos(), "located body atoms use different location variables: @" + loc + " (at " + locPos
                    + ") and @" + v.name(), "a rule runs at one node; move the data there with a rule that sends it");
                return false;
            }
        }
        boolean sends = false;
        if (head.located) {
            Expr first = r.head().terms().get(0);
            sends = !(first instanceof Var v && v.name().equals(loc));
        }
        if (sends) {
            if (r.delete()) {
                error(r.head().pos(), "a delete rule cannot send: its head is located at another address",
                    "send an event and delete at the receiver");
            } else if (r.next()) {
                error(r.head().pos(), "a rule that sends cannot also be @next: sent tuples already arrive at a later step",
                    "drop @next");
            } else if (head.kind == Relation.Kind.VIEW) {
                error(r.head().pos(), "view '" + head.name + "' cannot receive tuples from another node",
                    "declare it as a table or an event");
            }
            if (errors == 0) {
                boolean hasEvent = false;
                for (Resolved b : body) {
                    if (b.rel != null && !b.negated && (b.rel.kind == Relation.Kind.EVENT
                        || b.rel.kind == Relation.Kind.DERIVED_EVENT)) {
                        hasEvent = true;
                    }
                }
                if (!hasEvent) {
                    diags.add(Diagnostic.warning(r.pos(), "this rule sends " + head.name
                        + " in every step its body holds, and its body reads no event",
                        "add the message or timer that should trigger the send"));
                }
            }
        }
        return sends;
    }

    private void lower(List<Resolved> body, Relation head, boolean sends, Set<String> bound) {
        ExprCompiler ec = new ExprCompiler(c.functions(), diags, slots, types, c::isRelation);
        // The sides of equalities are compiled again on their own; the whole literal's
        // compilation above has reported any error in them already.
        ExprCompiler sides = new ExprCompiler(c.functions(), new ArrayList<>(), slots, types, c::isRelation);
        List<Lit> lits = new ArrayList<>();
        for (Resolved b : body) {
            if (b.rel != null) {
                Ast.Atom a = b.lit instanceof Positive p ? p.atom() : ((Negated) b.lit).atom();
                int n = a.terms().size();
                int[] sl = new int[n];
                Object[] consts = new Object[n];
                boolean[] wild = new boolean[n];
                for (int i = 0; i < n; i++) {
                    Expr t = a.terms().get(i);
                    if (t instanceof Var v) {
                        sl[i] = slot(v.name());
                        wild[i] = v.anonymous();
                    } else {
                        sl[i] = -1;
                        consts[i] = ((Const) t).value();
                    }
                }
                b.rel.readByRules = true;
                lits.add(new Lit.Atom(b.rel, b.negated, sl, consts, wild));
            } else if (b.lit instanceof Assign a) {
                ExprCompiler.Typed t = ec.compile(a.expr());
                Type vt = types.get(a.var());
                if (vt != null && t.type() != Type.ANY && !vt.accepts(t.type())) {
                    error(a.pos(), "cannot give " + a.var() + " (a " + vt + ") a value of type " + t.type(), null);
                }
                Set<String> vs = new LinkedHashSet<>();
                ExprCompiler.vars(a.expr(), vs);
                Lit.Equality eq = null;
                if (!a.bindOnly()) {
                    Lit.Side rhs = sides.side(a.expr());
                    eq = rhs == null ? null : new Lit.Equality(sides.side(new Var(a.pos(), a.var())), rhs);
                }
                lits.add(new Lit.Assign(slot(a.var()), t.expr(), slotsOf(vs), a.bindOnly(), eq));
            } else {
                ExprCompiler.Typed t = ec.compile(b.cond);
                if (t.type() != Type.BOOL && t.type() != Type.ANY) {
                    error(b.lit.pos(), "a condition must be a bool, but this is a " + t.type(), null);
                }
                Set<String> vs = new LinkedHashSet<>();
                ExprCompiler.vars(b.cond, vs);
                Lit.Equality eq = null;
                if (b.cond instanceof Binary bin && bin.op().equals("==")) {
                    Lit.Side l = sides.side(bin.left());
                    Lit.Side r = sides.side(bin.right());
                    eq = l == null || r == null ? null : new Lit.Equality(l, r);
                }
                lits.add(new Lit.Cond(t.expr(), slotsOf(vs), b.lit.pos().toString(), eq));
            }
        }
        int n = head.arity();
        CExpr[] exprs = new CExpr[n];
        int[] headSlots = new int[n];
        List<Rule.Agg> aggs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Expr t = r.head().terms().get(i);
            headSlots[i] = t instanceof Var v ? slot(v.name()) : -1;
            if (t instanceof Aggregate ag) {
                aggs.add(aggregate(i, ag, head));
                continue;
            }
            ExprCompiler.Typed typed = ec.compile(t);
            if (!head.types[i].accepts(typed.type())) {
                error(t.pos(), "column " + head.columns[i] + " of " + head.name + " is a " + head.types[i]
                    + ", but this term is a " + typed.type(), null);
            }
            exprs[i] = typed.expr();
        }
        if (errors > 0) {
            return;
        }
        if (callsNow()) {
            // now() changes every step, so a rule reading it depends on the time as on a
            // relation: the built-in sys_now(NowMs) holds the step's time, and reading it makes
            // the rule be evaluated again in every step (incrementally, like any other change).
            Relation sysNow = c.relation("sys_now");
            sysNow.readByRules = true;
            lits.add(new Lit.Atom(sysNow, false, new int[] {slot("_$now")}, new Object[1], new boolean[] {true}));
        }
        String[] names = slots.keySet().stream().map(RuleCompiler::display).toArray(String[]::new);
        Relation target = head;
        Action.Kind action = null;
        if (sends) {
            action = Action.Kind.SEND;
        } else if (r.delete()) {
            action = Action.Kind.DELETE;
        } else if (r.next()) {
            action = Action.Kind.NEXT;
            target = head.receivedInto;
        } else if (head.kind == Relation.Kind.TABLE) {
            action = Action.Kind.INSERT_NOW;
        }
        int id = c.nextRuleId();
        Relation derives = head;
        // An aggregate derives a hidden relation that a copy rule moves into the head, so that
        // other rules may derive the same head; the only rule of a view derives the view itself
        // (a copy of every group would cost its row and its index again, and a rule a change).
        boolean aggIntoHead = !aggs.isEmpty() && action == null && head.kind == Relation.Kind.VIEW
            && c.rulesDeriving(head.name) == 1;
        if (!aggs.isEmpty() && !aggIntoHead) {
            derives = c.hidden(head, "agg" + id);
        } else if (action != null) {
            derives = c.hidden(head, "r" + id);
        }
        Rule rule = new Rule(id, r.label(), r.pos(), r.text(), derives, exprs, headSlots, List.copyOf(lits),
            slots.size(), List.copyOf(aggs), names, callsOnlyPure());
        c.addRule(rule);
        if (action != null) {
            c.addAction(new Action(action, derives, target, rule));
        } else if (!aggs.isEmpty() && !aggIntoHead) {
            c.addRule(c.copy(head, derives, r.pos(), head.name + "(...) :- " + derives.name + "(...)"));
        }
    }

    private Rule.Agg aggregate(int col, Aggregate ag, Relation head) {
        if (ag.var() == null) {
            if (!ag.fn().equals("count")) {
                error(ag.pos(), ag.fn() + "<*> is not an aggregate; only count<*> takes '*'", "write " + ag.fn() + "<X>");
            }
            return new Rule.Agg(col, Rule.AggFn.COUNT_STAR, -1);
        }
        Type vt = types.getOrDefault(ag.var().name(), Type.ANY);
        Rule.AggFn fn = switch (ag.fn()) {
            case "count" -> Rule.AggFn.COUNT;
            case "sum" -> Rule.AggFn.SUM;
            case "min" -> Rule.AggFn.MIN;
            case "max" -> Rule.AggFn.MAX;
            case "avg" -> Rule.AggFn.AVG;
            case "set" -> Rule.AggFn.SET;
            default -> Rule.AggFn.LIST;
        };
        Type result = switch (fn) {
            case COUNT, COUNT_STAR -> Type.LONG;
            case AVG -> Type.DOUBLE;
            case SET, LIST -> Type.ANY;
            default -> vt;
        };
        if ((fn == Rule.AggFn.SUM || fn == Rule.AggFn.AVG) && !vt.isNumeric() && vt != Type.ANY) {
            // One error per aggregate: its result type follows from the wrong input.
            error(ag.pos(), ag.fn() + "<" + ag.var().name() + "> needs numbers, but " + ag.var().name() + " is a " + vt, null);
        } else if (!head.types[col].accepts(result)) {
            error(ag.pos(), "column " + head.columns[col] + " of " + head.name + " is a " + head.types[col]
                + ", but " + ag.fn() + "<...> gives a " + result, null);
        }
        return new Rule.Agg(col, fn, slot(ag.var().name()));
    }

    private boolean callsNow() {
        return calls(name -> name.equals("now"));
    }

    /** Whether every function the rule calls is pure (Functions: its result depends on its arguments alone). */
    private boolean callsOnlyPure() {
        return !calls(name -> {
            Functions.Def def = c.functions().get(name);
            return def == null || !def.pure();
        });
    }

    /** Whether the rule's head or body calls a function {@code test} accepts. */
    private boolean calls(java.util.function.Predicate<String> test) {
        List<Expr> exprs = new ArrayList<>(r.head().terms());
        for (Literal l : r.body()) {
            if (l instanceof Condition cd) {
                exprs.add(cd.expr());
            } else if (l instanceof Assign a) {
                exprs.add(a.expr());
            }
        }
        while (!exprs.isEmpty()) {
            Expr e = exprs.remove(exprs.size() - 1);
            if (e instanceof Call call) {
                if (test.test(call.name())) {
                    return true;
                }
                exprs.addAll(call.args());
            } else if (e instanceof Binary b) {
                exprs.add(b.left());
                exprs.add(b.right());
            } else if (e instanceof Unary u) {
                exprs.add(u.operand());
            } else if (e instanceof Ternary t) {
                exprs.add(t.cond());
                exprs.add(t.then());
                exprs.add(t.otherwise());
            }
        }
        return false;
    }

    private int[] slotsOf(Set<String> vs) {
        return vs.stream().mapToInt(this::slot).toArray();
    }
}
