package io.boomfs.engine.oracle;

import io.boomfs.engine.Tuple;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random, valid, stratified Overlog programs with a random sequence of steps, from a seed.
 *
 * <p>Relations live in layers: base tables, events, the timer, the located relations and the
 * node's built-in relations ({@code self}, {@code sys_step}, {@code sys_relation}) are
 * layer 0; every view, derived event and table filled by instant inserts gets a layer from 1 up.
 * A rule for a relation of layer L reads positively relations of layers up to L (reading its own
 * layer makes recursion) and negates or aggregates only relations of layers below L, so every
 * program is stratified. Rules that read their own layer compute no new values (no arithmetic in
 * assignments or the head), so recursion ranges over the finite values already present and
 * always terminates. Deferred rules ({@code @next}, {@code delete}, sends) and {@code die} rules
 * write relations nobody reads in the same step, so they may read and negate anything.
 *
 * <p>Some bodies get an equality between a bound value and a pure function of one atom's
 * columns ({@code X0 == X3 % 3}, {@code hash(X2) % 3 == 1}, {@code X1 = X4 / 2}), the literals
 * the planner turns into expression indexes. Those choices draw from a second random source, so
 * that every other part of a seed's case is what it was before they were added.
 *
 * <p>Values come from tiny domains (longs 0..4, a few doubles and strings, the odd null) so that
 * joins, repeated variables, key collisions and aggregates over several matches actually happen.
 */
final class RandomProgramGenerator {

    /** The column types the generator uses; ANY columns hold aggregate sets and lists. */
    enum Ty {
        LONG("long"), DOUBLE("double"), STRING("string"), ADDR("addr"), ANY("any");

        final String text;

        Ty(String text) {
            this.text = text;
        }
    }

    enum Kind { TABLE, ITABLE, EVENT, DEVENT, VIEW, TIMER, BUILTIN }

    /** A relation as the generator knows it. */
    static final class Rel {
        final String name;
        final Kind kind;
        final List<Ty> cols;
        final int layer;
        final boolean located;
        /** Number of leading key columns; 0 when the key is every column. */
        int keyLen;
        boolean durable;
        /** Whether its rules are written already (an aggregate view gets its rule when declared). */
        boolean defined;
        long periodMs;

        Rel(String name, Kind kind, List<Ty> cols, int layer, boolean located) {
            this.name = name;
            this.kind = kind;
            this.cols = cols;
            this.layer = layer;
            this.located = located;
        }

        boolean isTable() {
            return kind == Kind.TABLE || kind == Kind.ITABLE;
        }

        boolean isEvent() {
            return kind == Kind.EVENT || kind == Kind.DEVENT || kind == Kind.TIMER;
        }

        String decl() {
            if (kind == Kind.TIMER) {
                return "timer " + name + "(" + periodMs + ").";
            }
            StringBuilder sb = new StringBuilder();
            if (durable) {
                sb.append("durable ");
            }
            sb.append(switch (kind) {
                case TABLE, ITABLE -> "table ";
                case VIEW -> "view ";
                default -> "event ";
            });
            sb.append(name).append('(');
            for (int i = 0; i < cols.size(); i++) {
                sb.append(i > 0 ? ", " : "").append(i == 0 && located ? "@" : "").append(colName(i)).append(": ")
                    .append(cols.get(i).text);
            }
            sb.append(')');
            if (keyLen > 0) {
                sb.append(" key(");
                for (int i = 0; i < keyLen; i++) {
                    sb.append(i > 0 ? ", " : "").append(colName(i));
                }
                sb.append(')');
            }
            return sb.append('.').toString();
        }

        static String colName(int i) {
            return "C" + i;
        }
    }

    /** One step of a case: host loads applied just before it, then its inbound tuples. */
    record Step(long nowMs, List<Tuple> loads, List<Tuple> inbound) {
    }

    /**
     * A generated case: the program as separate statements (so that a shrinker can drop them)
     * and the steps to run it through.
     */
    record Case(long seed, List<String> decls, List<String> facts, List<String> rules, List<Step> steps) {
        String source() {
            StringBuilder sb = new StringBuilder();
            for (List<String> part : List.of(decls, facts, rules)) {
                for (String s : part) {
                    sb.append(s).append('\n');
                }
            }
            return sb.toString();
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(source());
            for (int i = 0; i < steps.size(); i++) {
                Step s = steps.get(i);
                sb.append("// step ").append(i + 1).append(" at ").append(s.nowMs()).append(" ms");
                if (!s.loads().isEmpty()) {
                    sb.append(", host loads ").append(s.loads());
                }
                if (!s.inbound().isEmpty()) {
                    sb.append(", inbound ").append(s.inbound());
                }
                sb.append('\n');
            }
            return sb.toString();
        }
    }

    private final long seed;
    private final Random rnd;
    /** Draws the equality literals (see the class comment) apart from {@link #rnd}. */
    private final Random eqRnd;
    private final List<Rel> rels = new ArrayList<>();
    private final List<String> rules = new ArrayList<>();
    private final List<String> facts = new ArrayList<>();
    private final List<String> watches = new ArrayList<>();
    private Rel node;
    private Rel msg;
    private int counter;

    private RandomProgramGenerator(long seed) {
        this.seed = seed;
        this.rnd = new Random(seed);
        this.eqRnd = new Random(seed * 0x9E3779B97F4A7C15L + 1);
    }

    /** The case of a seed: the same seed always gives the same case. */
    static Case generate(long seed) {
        return new RandomProgramGenerator(seed).build();
    }

    private Case build() {
        declareBase();
        int layers = 1 + rnd.nextInt(3);
        for (int layer = 1; layer <= layers; layer++) {
            declareLayer(layer);
        }
        for (int layer = 1; layer <= layers; layer++) {
            for (Rel r : List.copyOf(rels)) {
                if (r.layer == layer && !r.defined) {
                    defineLayerRelation(r);
                }
            }
        }
        int deferred = 1 + rnd.nextInt(4);
        for (int i = 0; i < deferred; i++) {
            deferredRule();
        }
        if (rnd.nextInt(100) < 15) {
            dieRule();
        }
        for (Rel r : rels) {
            if (r.isTable() && !r.located) {
                int n = rnd.nextInt(5);
                for (int i = 0; i < n; i++) {
                    facts.add(Tuple.wrap(r.name, values(r)).toString() + ".");
                }
            }
        }
        if (rnd.nextInt(100) < 30) {
            Rel w = pick(rels.stream().filter(r -> r.kind != Kind.TIMER && r.kind != Kind.BUILTIN).toList());
            watches.add("watch " + w.name + ".");
        }
        List<String> decls = new ArrayList<>();
        for (Rel r : rels) {
            if (r.kind != Kind.BUILTIN) {
                decls.add(r.decl());
            }
        }
        decls.addAll(watches);
        return new Case(seed, decls, facts, rules, steps());
    }

    // ---------------------------------------------------------------- relations

    private void declareBase() {
        int tables = 1 + rnd.nextInt(3);
        for (int i = 0; i < tables; i++) {
            Rel t = new Rel("t" + i, Kind.TABLE, columns(1 + weighted(25, 55, 20)), 0, false);
            keyAndDurability(t);
            rels.add(t);
        }
        int events = 1 + rnd.nextInt(2);
        for (int i = 0; i < events; i++) {
            rels.add(new Rel("e" + i, Kind.EVENT, columns(1 + rnd.nextInt(2)), 0, false));
        }
        if (rnd.nextInt(100) < 30) {
            Rel tk = new Rel("tk", Kind.TIMER, List.of(), 0, false);
            tk.periodMs = rnd.nextBoolean() ? 100 : 250;
            rels.add(tk);
        }
        if (rnd.nextInt(100) < 40) {
            node = new Rel("node", Kind.TABLE, List.of(Ty.ADDR, Ty.ADDR), 0, true);
            rels.add(node);
            facts.add("node(\"local\", \"local\").");
            if (rnd.nextBoolean()) {
                facts.add("node(\"local\", \"away\").");
            }
            msg = new Rel("msg", rnd.nextInt(100) < 70 ? Kind.EVENT : Kind.TABLE, List.of(Ty.ADDR, Ty.LONG), 0, true);
            if (msg.kind == Kind.TABLE && rnd.nextBoolean()) {
                msg.keyLen = 1;
            }
            rels.add(msg);
        }
        builtins();
    }

    /** The node's own relations, each readable by rules in some programs. */
    private void builtins() {
        if (rnd.nextInt(100) < 15) {
            rels.add(new Rel("self", Kind.BUILTIN, List.of(Ty.ADDR), 0, true));
        }
        if (rnd.nextInt(100) < 20) {
            rels.add(new Rel("sys_step", Kind.BUILTIN, List.of(Ty.ADDR, Ty.LONG, Ty.LONG), 0, true));
        }
        if (rnd.nextInt(100) < 20) {
            rels.add(new Rel("sys_relation", Kind.BUILTIN, List.of(Ty.ADDR, Ty.STRING, Ty.LONG), 0, true));
        }
    }

    private void keyAndDurability(Rel t) {
        if (t.cols.size() > 1 && rnd.nextInt(100) < 40) {
            t.keyLen = 1 + rnd.nextInt(t.cols.size() - 1);
        }
        t.durable = rnd.nextInt(100) < 30;
    }

    /** Mostly longs, so that joins find partners; now and then a double or a string column. */
    private List<Ty> columns(int arity) {
        List<Ty> cols = new ArrayList<>();
        for (int i = 0; i < arity; i++) {
            int p = rnd.nextInt(100);
            cols.add(i == 0 || p < 80 ? Ty.LONG : p < 90 ? Ty.DOUBLE : Ty.STRING);
        }
        return cols;
    }

    private void declareLayer(int layer) {
        int n = 1 + rnd.nextInt(2);
        for (int i = 0; i < n; i++) {
            int p = rnd.nextInt(100);
            if (p < 25 && aggregateView(layer)) {
                continue;
            }
            String id = String.valueOf(counter++);
            if (p < 55) {
                rels.add(new Rel("v" + id, Kind.VIEW, columns(1 + weighted(30, 60, 10)), layer, false));
            } else if (p < 80) {
                Rel t = new Rel("i" + id, Kind.ITABLE, columns(1 + weighted(40, 60, 0)), layer, false);
                // Keyed tables filled by instant inserts make key violations, which must be errors in both.
                if (t.cols.size() > 1 && rnd.nextInt(100) < 25) {
                    t.keyLen = 1;
                }
                t.durable = rnd.nextInt(100) < 30;
                rels.add(t);
            } else {
                rels.add(new Rel("d" + id, Kind.DEVENT, columns(1 + rnd.nextInt(2)), layer, false));
            }
        }
    }

    private void defineLayerRelation(Rel r) {
        r.defined = true;
        if (r.cols.size() == 2 && r.cols.get(0) == Ty.LONG && r.cols.get(1) == Ty.LONG && rnd.nextInt(100) < 35
            && closure(r)) {
            return;
        }
        rules.add(rule(r, false));
        if (rnd.nextInt(100) < 40) {
            rules.add(rule(r, true));
        }
    }

    // ---------------------------------------------------------------- rules

    /** Variables of one rule: name, type, and whether a positive atom or assignment binds it. */
    private final class Scope {
        final Map<String, Ty> vars = new LinkedHashMap<>();
        final List<String> body = new ArrayList<>();
        /** The long variables of each positive atom, in body order. */
        final List<List<String>> atomLongs = new ArrayList<>();
        int next;

        String fresh(Ty ty) {
            String v = "X" + next++;
            vars.put(v, ty);
            return v;
        }

        List<String> of(Ty ty) {
            List<String> out = new ArrayList<>();
            vars.forEach((v, t) -> {
                if (t == ty) {
                    out.add(v);
                }
            });
            return out;
        }
    }

    /** A positive atom over {@code r}; it shares a variable with the atoms before it when it can. */
    private String positive(Scope s, Rel r) {
        List<String> terms = new ArrayList<>();
        List<String> longs = new ArrayList<>();
        s.atomLongs.add(longs);
        boolean joined = s.vars.isEmpty();
        for (int i = 0; i < r.cols.size(); i++) {
            Ty ty = r.cols.get(i);
            if (i == 0 && r.located) {
                terms.add("@Me");
                s.vars.put("Me", Ty.ADDR);
                continue;
            }
            if (ty == Ty.ANY) {
                terms.add("_");
                continue;
            }
            List<String> same = s.of(ty);
            int p = rnd.nextInt(100);
            // One shared variable joins the atom to the others; more of them (or constants) make
            // repeated-variable matches, but each one filters the matches a lot on tiny domains.
            if (!same.isEmpty() && (p < 25 || !joined && ty == Ty.LONG)) {
                terms.add(pick(same));
                joined = true;
            } else if (p < 32) {
                terms.add(constant(ty));
            } else if (p < 42) {
                terms.add("_");
            } else {
                terms.add(s.fresh(ty));
            }
            if (ty == Ty.LONG && Character.isUpperCase(terms.get(terms.size() - 1).charAt(0))) {
                longs.add(terms.get(terms.size() - 1));
            }
        }
        return r.name + "(" + String.join(", ", terms) + ")";
    }

    /** {@code notin r(...)} using only bound variables, constants and {@code _}. */
    private String negated(Scope s, Rel r) {
        if (r.located && !s.vars.containsKey("Me")) {
            return null;
        }
        List<String> terms = new ArrayList<>();
        for (int i = 0; i < r.cols.size(); i++) {
            Ty ty = r.cols.get(i);
            if (i == 0 && r.located) {
                terms.add("@Me");
                continue;
            }
            List<String> same = ty == Ty.ANY ? List.of() : s.of(ty);
            int p = rnd.nextInt(100);
            if (!same.isEmpty() && p < 60) {
                terms.add(pick(same));
            } else if (p < 75 && ty != Ty.ANY) {
                terms.add(constant(ty));
            } else {
                terms.add("_");
            }
        }
        return "notin " + r.name + "(" + String.join(", ", terms) + ")";
    }

    /**
     * A rule whose head is {@code r} (a layered relation). A recursive rule also reads relations
     * of r's own layer and then computes no new values.
     */
    private String rule(Rel r, boolean recursive) {
        Scope s = new Scope();
        List<Rel> lower = sources(r.layer - 1);
        List<Rel> same = rels.stream().filter(x -> x.layer == r.layer && x.layer > 0).toList();
        int atoms = 1 + weighted(55, 35, 10);
        for (int i = 0; i < atoms; i++) {
            Rel src = recursive && (i == 0 || rnd.nextInt(100) < 30) ? pick(same) : pick(lower);
            s.body.add(positive(s, src));
        }
        extras(s, lower, !recursive);
        return head(s, r, "", !recursive) + " :- " + String.join(", ", s.body) + ".";
    }

    /** The transitive closure of a binary long relation below r: recursion over a possibly cyclic graph. */
    private boolean closure(Rel r) {
        List<Rel> edges = sources(r.layer - 1).stream()
            .filter(x -> x.cols.size() == 2 && x.cols.get(0) == Ty.LONG && x.cols.get(1) == Ty.LONG).toList();
        if (edges.isEmpty()) {
            return false;
        }
        Rel e = pick(edges);
        rules.add(r.name + "(A, B) :- " + e.name + "(A, B).");
        if (rnd.nextBoolean()) {
            rules.add(r.name + "(A, C) :- " + r.name + "(A, B), " + e.name + "(B, C).");
        } else {
            rules.add(r.name + "(A, C) :- " + r.name + "(A, B), " + r.name + "(B, C)" + (rnd.nextBoolean() ? ", A != C" : "")
                + ".");
        }
        return true;
    }

    /** Relations of layers 0..max that rules may read (timers and located ones included). */
    private List<Rel> sources(int max) {
        return rels.stream().filter(x -> x.layer <= max).toList();
    }

    /** Adds conditions, assignments and negations that use the variables bound so far. */
    private void extras(Scope s, List<Rel> negatable, boolean newValues) {
        if (eqRnd.nextInt(100) < 35) {
            String eq = equality(s);
            if (eq != null) {
                s.body.add(eq);
            }
        }
        if (newValues && rnd.nextInt(100) < 35) {
            assignment(s);
        }
        int conds = weighted(65, 30, 5);
        for (int i = 0; i < conds; i++) {
            String c = condition(s);
            if (c != null) {
                s.body.add(c);
            }
        }
        if (rnd.nextInt(100) < 35) {
            String n = negated(s, pick(negatable));
            if (n != null) {
                s.body.add(n);
            }
        }
    }

    /**
     * An equality whose one side is a pure function of one atom's long variables and whose
     * other side is a long variable of another atom or a constant, in one of the three forms
     * the planner reads: {@code K == E}, {@code E == K}, {@code K = E}. Null when no atom binds a
     * long. It may divide by zero: a failing body literal is false, whatever the join order.
     */
    private String equality(Scope s) {
        List<List<String>> withLongs = s.atomLongs.stream().filter(l -> !l.isEmpty()).toList();
        if (withLongs.isEmpty()) {
            return null;
        }
        List<String> row = withLongs.get(eqRnd.nextInt(withLongs.size()));
        String x = row.get(eqRnd.nextInt(row.size()));
        String y = row.get(eqRnd.nextInt(row.size()));
        String e = switch (eqRnd.nextInt(10)) {
            case 0 -> x + " / 2";
            case 1 -> x + " % 3";
            case 2 -> "hash(" + x + ") % 3";
            case 3 -> "abs(" + x + " - " + y + ")";
            case 4 -> x + " + " + y;
            case 5 -> "len(str(" + x + "))";
            case 6 -> "(" + x + " > " + y + " ? " + x + " : " + y + ")";
            case 7 -> x + " / " + y;
            case 8 -> "min(" + x + ", " + y + ")";
            default -> x;
        };
        List<String> others = new ArrayList<>();
        for (List<String> l : s.atomLongs) {
            if (l != row) {
                for (String v : l) {
                    if (!row.contains(v)) {
                        others.add(v);
                    }
                }
            }
        }
        if (others.isEmpty() || eqRnd.nextInt(100) < 25) {
            String k = eqRnd.nextInt(20) == 0 ? "null" : String.valueOf(eqRnd.nextInt(4));
            return eqRnd.nextBoolean() ? k + " == " + e : e + " == " + k;
        }
        String k = others.get(eqRnd.nextInt(others.size()));
        return switch (eqRnd.nextInt(3)) {
            case 0 -> k + " == " + e;
            case 1 -> e + " == " + k;
            default -> k + " = " + e;
        };
    }

    private void assignment(Scope s) {
        List<String> longs = s.of(Ty.LONG);
        int p = rnd.nextInt(100);
        if (p < 15 && longs.size() >= 2) {
            // X = expr with X already bound compares instead of binding.
            s.body.add(pick(longs) + " = " + pick(longs) + " + " + rnd.nextInt(2));
            return;
        }
        if (longs.isEmpty()) {
            List<String> strings = s.of(Ty.STRING);
            if (!strings.isEmpty()) {
                String e = "\"s\" + " + pick(strings);
                s.body.add(s.fresh(Ty.STRING) + " = " + e);
            }
            return;
        }
        Ty ty = p < 75 ? Ty.LONG : p < 88 ? Ty.DOUBLE : Ty.STRING;
        String e = expression(s, ty, false);
        String op = rnd.nextInt(100) < 20 ? " := " : " = ";
        s.body.add(s.fresh(ty) + op + e);
    }

    /**
     * An expression of the given type over bound long variables (there is at least one); it may
     * divide by zero only when {@code mayFail}.
     */
    private String expression(Scope s, Ty ty, boolean mayFail) {
        String x = pick(s.of(Ty.LONG));
        String y = pickOther(s.of(Ty.LONG), x);
        if (ty == Ty.DOUBLE) {
            List<String> doubles = s.of(Ty.DOUBLE);
            return !doubles.isEmpty() && rnd.nextBoolean() ? pick(doubles) + " * 2.0" : "to_double(" + x + ") / 2.0";
        }
        if (ty == Ty.STRING) {
            return rnd.nextBoolean() ? "\"s\" + str(" + x + ")" : "concat(\"a\", " + x + ")";
        }
        return switch (rnd.nextInt(9)) {
            case 0 -> x + " + 1";
            case 1 -> x + " * " + y + " % 5";
            case 2 -> "abs(" + x + " - " + y + ")";
            case 3 -> "(" + x + " > " + y + " ? " + x + " : " + y + ")";
            case 4 -> "hash(" + x + ") % 3";
            case 5 -> x + " - " + y;
            // Integer division by zero is an error that both evaluators must raise. Only head
            // terms may fail: they are evaluated on complete matches only, whereas whether a body
            // literal sees a partial valuation depends on the evaluator's join order.
            case 6 -> mayFail && rnd.nextInt(100) < 30 ? x + " / " + y : x + " / 2";
            case 7 -> "len(str(" + x + "))";
            default -> "-" + x;
        };
    }

    private String condition(Scope s) {
        List<String> longs = s.of(Ty.LONG);
        List<String> doubles = s.of(Ty.DOUBLE);
        List<String> strings = s.of(Ty.STRING);
        int p = rnd.nextInt(100);
        if (p < 10 && !doubles.isEmpty()) {
            return pick(doubles) + " > " + constant(Ty.DOUBLE);
        }
        if (p < 18 && !strings.isEmpty()) {
            return rnd.nextBoolean() ? pick(strings) + " != \"a\"" : "starts_with(" + pick(strings) + ", \"a\")";
        }
        if (longs.isEmpty()) {
            return null;
        }
        String x = pick(longs);
        String y = pickOther(longs, x);
        return switch (rnd.nextInt(8)) {
            case 0 -> x + " < " + y;
            case 1 -> x + " != " + rnd.nextInt(5);
            case 2 -> x + " == " + y;
            case 3 -> x + " + " + y + " > " + rnd.nextInt(6);
            case 4 -> "(" + x + " >= " + rnd.nextInt(5) + " || " + y + " == " + rnd.nextInt(5) + ")";
            case 5 -> "!(" + x + " == " + rnd.nextInt(5) + ")";
            case 6 -> x + " != null";
            default -> x + " <= " + rnd.nextInt(5);
        };
    }

    /** The head of a rule over the scope's bound variables (and, when allowed, new values). */
    private String head(Scope s, Rel r, String suffix, boolean newValues) {
        List<String> terms = new ArrayList<>();
        for (Ty ty : r.cols) {
            terms.add(headTerm(s, ty, newValues));
        }
        return r.name + suffix + "(" + String.join(", ", terms) + ")";
    }

    private String headTerm(Scope s, Ty ty, boolean newValues) {
        List<String> same = s.of(ty);
        int p = rnd.nextInt(100);
        if (!same.isEmpty() && p < 80) {
            return pick(same);
        }
        if (newValues && p < 92 && !s.of(Ty.LONG).isEmpty() && ty != Ty.ADDR) {
            return expression(s, ty, true);
        }
        return constant(ty);
    }

    // ---------------------------------------------------------------- aggregates

    private static final String[] AGGS = {"count<*>", "count", "sum", "min", "max", "avg", "set", "list"};

    /**
     * Declares a view that an aggregate rule defines, and the rule: the body reads only layers
     * below, the head has 0..2 group terms and the aggregate at a random position.
     */
    private boolean aggregateView(int layer) {
        Scope s = new Scope();
        List<Rel> lower = sources(layer - 1);
        int atoms = 1 + weighted(60, 40, 0);
        for (int i = 0; i < atoms; i++) {
            s.body.add(positive(s, pick(lower)));
        }
        extras(s, lower, true);
        String fn = AGGS[rnd.nextInt(AGGS.length)];
        List<String> numeric = new ArrayList<>(s.of(Ty.LONG));
        numeric.addAll(s.of(Ty.DOUBLE));
        List<String> any = new ArrayList<>(numeric);
        any.addAll(s.of(Ty.STRING));
        String var;
        Ty result;
        if (fn.equals("count<*>")) {
            var = null;
            result = Ty.LONG;
        } else {
            List<String> candidates = fn.equals("sum") || fn.equals("avg") ? numeric : any;
            if (candidates.isEmpty()) {
                return false;
            }
            var = pick(candidates);
            Ty vt = s.vars.get(var);
            result = switch (fn) {
                case "count" -> Ty.LONG;
                case "avg" -> Ty.DOUBLE;
                case "set", "list" -> Ty.ANY;
                default -> vt;
            };
        }
        List<String> longs = s.of(Ty.LONG);
        int groups = longs.isEmpty() ? 0 : weighted(30, 50, 20);
        List<Ty> cols = new ArrayList<>();
        List<String> terms = new ArrayList<>();
        for (int i = 0; i < groups; i++) {
            cols.add(Ty.LONG);
            String g = pick(longs);
            terms.add(rnd.nextInt(100) < 15 ? g + " % 2" : g);
        }
        int at = rnd.nextInt(groups + 1);
        cols.add(at, result);
        terms.add(at, var == null ? fn : fn + "<" + var + ">");
        Rel v = new Rel("a" + counter++, Kind.VIEW, cols, layer, false);
        v.defined = true;
        rels.add(v);
        rules.add(v.name + "(" + String.join(", ", terms) + ") :- " + String.join(", ", s.body) + ".");
        return true;
    }

    // ---------------------------------------------------------------- deferred rules

    private void deferredRule() {
        int p = rnd.nextInt(100);
        List<Rel> tables = rels.stream().filter(r -> r.isTable() && !r.located).toList();
        List<Rel> events = rels.stream().filter(r -> (r.kind == Kind.EVENT || r.kind == Kind.DEVENT) && !r.located).toList();
        if (node != null && p < 30) {
            sendRule();
        } else if (p < 55) {
            nextRule(pick(tables));
        } else if (p < 75 && !events.isEmpty()) {
            nextRule(pick(events));
        } else {
            deleteRule(pick(tables));
        }
    }

    /** The body of a deferred rule: usually triggered by an event (as the checker recommends). */
    private Scope deferredBody(Rel mustRead) {
        Scope s = new Scope();
        List<Rel> events = rels.stream().filter(Rel::isEvent).toList();
        if (rnd.nextInt(100) < 75) {
            s.body.add(positive(s, pick(events)));
        }
        if (mustRead != null) {
            s.body.add(positive(s, mustRead));
        }
        int more = s.body.isEmpty() ? 1 + rnd.nextInt(2) : rnd.nextInt(2);
        for (int i = 0; i < more; i++) {
            s.body.add(positive(s, pick(rels)));
        }
        extras(s, rels, true);
        return s;
    }

    private void nextRule(Rel target) {
        Scope s = deferredBody(rnd.nextBoolean() && target.isTable() ? target : null);
        // Both spellings of a deferred head: name@next(...) and name(...)@next.
        String head = rnd.nextBoolean() ? head(s, target, "@next", true) : head(s, target, "", true) + "@next";
        if (rnd.nextInt(100) < 10 && target.cols.contains(Ty.LONG)) {
            // An aggregate into the next step: count the matches into a long column.
            int at = target.cols.indexOf(Ty.LONG);
            List<String> terms = new ArrayList<>();
            for (int i = 0; i < target.cols.size(); i++) {
                terms.add(i == at ? "count<*>" : headTerm(s, target.cols.get(i), false));
            }
            head = target.name + "@next(" + String.join(", ", terms) + ")";
        }
        rules.add(head + " :- " + String.join(", ", s.body) + ".");
    }

    private void deleteRule(Rel target) {
        Scope s = deferredBody(target);
        rules.add("delete " + head(s, target, "", false) + " :- " + String.join(", ", s.body) + ".");
    }

    /** {@code msg(@P, X) :- node(@Me, P), ...}: P may be this node's own address, "local". */
    private void sendRule() {
        Scope s = deferredBody(null);
        s.body.add(0, positive(s, node));
        List<String> addrs = s.of(Ty.ADDR);
        addrs.remove("Me");
        String to;
        if (addrs.isEmpty()) {
            to = s.fresh(Ty.ADDR);
            s.body.add(to + " = \"local\"");
        } else {
            to = pick(addrs);
        }
        rules.add(msg.name + "(@" + to + ", " + headTerm(s, Ty.LONG, true) + ") :- " + String.join(", ", s.body) + ".");
    }

    private void dieRule() {
        List<Rel> candidates = rels.stream().filter(r -> !r.cols.isEmpty() && r.cols.get(0) == Ty.LONG).toList();
        Rel r = pick(candidates);
        Scope s = new Scope();
        s.body.add(positive(s, r));
        List<String> longs = s.of(Ty.LONG);
        if (longs.isEmpty()) {
            return;
        }
        String x = pick(longs);
        rules.add("die(M) :- " + String.join(", ", s.body) + ", " + x + " > " + (2 + rnd.nextInt(3)) + ", M = \""
            + r.name + " \" + str(" + x + ").");
    }

    // ---------------------------------------------------------------- steps and values

    private List<Step> steps() {
        List<Step> out = new ArrayList<>();
        int n = 3 + rnd.nextInt(4);
        long now = rnd.nextInt(500);
        List<Rel> inboundable = rels.stream().filter(r -> r.kind != Kind.VIEW && r.kind != Kind.TIMER && r.kind != Kind.BUILTIN
            && (r != msg || rnd.nextInt(100) < 20)).toList();
        List<Rel> events = rels.stream().filter(r -> r.kind == Kind.EVENT && !r.located).toList();
        List<Rel> loadable = rels.stream().filter(r -> r.kind == Kind.TABLE || r.kind == Kind.ITABLE
            || r.kind == Kind.EVENT && !r.located).filter(r -> r != node).toList();
        for (int i = 0; i < n; i++) {
            List<Tuple> loads = new ArrayList<>();
            int l = weighted(50, 30, 20);
            for (int j = 0; j < l && !loadable.isEmpty(); j++) {
                Rel r = pick(loadable);
                loads.add(Tuple.wrap(r.name, values(r)));
            }
            List<Tuple> inbound = new ArrayList<>();
            int m = rnd.nextInt(7);
            for (int j = 0; j < m && !inboundable.isEmpty(); j++) {
                // Events trigger most deferred rules, so they get most of the inbound tuples.
                Rel r = rnd.nextInt(100) < 60 ? pick(events) : pick(inboundable);
                inbound.add(Tuple.wrap(r.name, values(r)));
            }
            out.add(new Step(now, List.copyOf(loads), List.copyOf(inbound)));
            now += 50 + rnd.nextInt(250);
        }
        return out;
    }

    private Object[] values(Rel r) {
        Object[] v = new Object[r.cols.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = value(r.cols.get(i));
        }
        return v;
    }

    private Object value(Ty ty) {
        if (ty != Ty.ADDR && rnd.nextInt(100) < 4) {
            return null;
        }
        return switch (ty) {
            case LONG -> (long) rnd.nextInt(5);
            case DOUBLE -> DOUBLES[rnd.nextInt(DOUBLES.length)];
            case STRING -> STRINGS[rnd.nextInt(STRINGS.length)];
            case ADDR -> rnd.nextInt(100) < 90 ? "local" : "away";
            default -> null;
        };
    }

    private static final Double[] DOUBLES = {0.0, 0.5, 1.5, -1.0, 2.0, 1.0E16};
    private static final String[] STRINGS = {"a", "b", "ab"};

    private String constant(Ty ty) {
        return switch (ty) {
            case LONG -> String.valueOf(rnd.nextInt(5));
            case DOUBLE -> String.valueOf(DOUBLES[rnd.nextInt(DOUBLES.length - 1)]);
            case STRING -> "\"" + STRINGS[rnd.nextInt(STRINGS.length)] + "\"";
            case ADDR -> "\"local\"";
            default -> "null";
        };
    }

    /** Another element than {@code x} when there is one, so that conditions are not trivially true. */
    private String pickOther(List<String> xs, String x) {
        List<String> others = new ArrayList<>(xs);
        others.remove(x);
        return others.isEmpty() ? x : pick(others);
    }

    private <T> T pick(List<T> xs) {
        return xs.get(rnd.nextInt(xs.size()));
    }

    /** An index drawn with the given percentage weights. */
    private int weighted(int... weights) {
        int p = rnd.nextInt(100);
        for (int i = 0; i < weights.length; i++) {
            p -= weights[i];
            if (p < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }
}
