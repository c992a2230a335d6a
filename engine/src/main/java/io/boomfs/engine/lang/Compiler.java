package io.boomfs.engine.lang;

import io.boomfs.engine.Tuple;
import io.boomfs.engine.Values;
import io.boomfs.engine.lang.Ast.*;
import io.boomfs.engine.program.Action;
import io.boomfs.engine.program.CExpr;
import io.boomfs.engine.program.Lit;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.program.Relation;
import io.boomfs.engine.program.Rule;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks an Overlog program and compiles it for the evaluators. Every problem becomes a
 * {@link Diagnostic} naming file:line:col; a program with any error yields no {@link Program}.
 *
 * <p>Lowering: every rule derives a derived relation. A plain rule into a view or event derives
 * it directly; a rule that inserts into a table, a deferred rule ({@code @next}, {@code delete})
 * and a rule that sends derive a hidden relation {@code head$rN} that an {@link Action} reads. An
 * aggregate rule derives {@code head$aggN}, recomputed per affected group, that a copy rule moves
 * into the head; the only rule of a view derives the view itself.
 */
public final class Compiler {
    /** What a compile produced: a program when there was no error, and every diagnostic. */
    public record Result(Program program, List<Diagnostic> diagnostics) {
        public boolean ok() {
            return program != null;
        }

        public List<Diagnostic> errors() {
            return diagnostics.stream().filter(Diagnostic::isError).toList();
        }
    }

    /** Reads an imported file; returns null when it does not exist. */
    public interface SourceLoader {
        String load(Path path) throws IOException;
    }

    private final Functions functions;
    private final SourceLoader loader;
    private final List<Diagnostic> diags = new ArrayList<>();
    private final Map<String, Relation> rels = new LinkedHashMap<>();
    private final Map<String, Pos> declPos = new HashMap<>();
    private final Map<String, RelationDecl> userDecls = new HashMap<>();
    private final List<Rule> rules = new ArrayList<>();
    /** Rules as written, by the name of their head (see {@link #rulesDeriving}). */
    private final Map<String, Integer> rulesByHead = new HashMap<>();
    private final List<Action> actions = new ArrayList<>();
    private final List<Tuple> facts = new ArrayList<>();
    private final Set<String> loaded = new HashSet<>();

    private Compiler(Functions functions, SourceLoader loader) {
        this.functions = functions;
        this.loader = loader;
    }

    /** Compiles the program whose root file is {@code file}, reading imports from disk. */
    public static Result compileFile(Path file, Functions functions) {
        return new Compiler(functions, Compiler::readIfExists).run(file, null);
    }

    public static Result compileFile(Path file) {
        return compileFile(file, new Functions());
    }

    /** Compiles source text; imports are resolved by {@code loader} relative to {@code name}. */
    public static Result compileSource(String name, String source, Functions functions, SourceLoader loader) {
        Path root;
        try {
            root = Path.of(name);
        } catch (InvalidPathException e) {
            return new Result(null, List.of(Diagnostic.error(new Pos(name, 1, 1), "\"" + Lexer.visible(name)
                + "\" cannot name a file: " + Lexer.visible(e.getReason()))));
        }
        return new Compiler(functions, loader).run(root, source);
    }

    public static Result compileSource(String name, String source) {
        return compileSource(name, source, new Functions(), p -> null);
    }

    private static String readIfExists(Path p) throws IOException {
        return Files.isRegularFile(p) ? Files.readString(p, StandardCharsets.UTF_8) : null;
    }

    private Result run(Path root, String rootSource) {
        List<Stmt> stmts = new ArrayList<>();
        String src = rootSource;
        if (src == null) {
            try {
                src = loader.load(root);
            } catch (IOException e) {
                diags.add(Diagnostic.error(new Pos(root.toString(), 1, 1), "cannot read the file: " + e.getMessage()));
                return new Result(null, diags);
            }
            if (src == null) {
                diags.add(Diagnostic.error(new Pos(root.toString(), 1, 1), "file not found"));
                return new Result(null, diags);
            }
        }
        load(root, src, stmts, new ArrayDeque<>());
        declareBuiltins();
        for (Stmt s : stmts) {
            if (s instanceof RelationDecl d) {
                declare(d);
            } else if (s instanceof TimerDecl t) {
                declareTimer(t);
            }
        }
        markDerivedEvents(stmts);
        for (Stmt s : stmts) {
            if (s instanceof Ast.Rule r) {
                rulesByHead.merge(r.head().name(), 1, Integer::sum);
            }
        }
        for (Stmt s : stmts) {
            if (s instanceof Watch w) {
                watch(w);
            } else if (s instanceof Fact f) {
                fact(f);
            } else if (s instanceof Ast.Rule r) {
                rule(r);
            }
        }
        List<List<Relation>> strata = new ArrayList<>();
        List<String> stratumText = new ArrayList<>();
        if (!hasErrors()) {
            new Stratifier(new ArrayList<>(rels.values()), rules, actions, diags).run(strata, stratumText);
        }
        if (!hasErrors()) {
            warnings(stmts);
        }
        diags.sort((a, b) -> {
            int c = a.pos().file().compareTo(b.pos().file());
            if (c != 0) {
                return c;
            }
            c = Integer.compare(a.pos().line(), b.pos().line());
            return c != 0 ? c : Integer.compare(a.pos().col(), b.pos().col());
        });
        if (hasErrors()) {
            return new Result(null, List.copyOf(diags));
        }
        List<Relation> all = new ArrayList<>(rels.values());
        Program program = new Program(root.getFileName().toString(), List.copyOf(all), Map.copyOf(rels), List.copyOf(rules),
            List.copyOf(actions), strata, List.copyOf(facts),
            diags.stream().filter(d -> !d.isError()).toList(), stratumText, fingerprint(all));
        return new Result(program, List.copyOf(diags));
    }

    private boolean hasErrors() {
        return diags.stream().anyMatch(Diagnostic::isError);
    }

    private static long fingerprint(List<Relation> all) {
        StringBuilder sb = new StringBuilder();
        for (Relation r : all) {
            if (!r.internal) {
                sb.append(r.name).append('(');
                for (int i = 0; i < r.arity(); i++) {
                    sb.append(r.types[i]).append(',');
                }
                sb.append(')');
            }
        }
        return Values.hash(sb.toString());
    }

    // ---------------------------------------------------------------- files and imports

    private void load(Path file, String src, List<Stmt> out, Deque<Path> stack) {
        Path norm = file.toAbsolutePath().normalize();
        loaded.add(norm.toString());
        stack.push(norm);
        for (Stmt s : Parser.parse(file.toString(), src, diags)) {
            if (s instanceof Import imp) {
                Path base = file.getParent();
                Path target;
                Path tn;
                try {
                    target = base == null ? Path.of(imp.path()) : base.resolve(imp.path());
                    tn = target.toAbsolutePath().normalize();
                } catch (InvalidPathException e) {
                    diags.add(Diagnostic.error(imp.pos(), "import path \"" + Lexer.visible(imp.path())
                        + "\" cannot name a file: " + Lexer.visible(e.getReason()),
                        "import paths are file names relative to the importing file"));
                    continue;
                }
                if (stack.contains(tn)) {
                    List<String> cycle = new ArrayList<>();
                    for (Path p : stack) {
                        cycle.add(0, p.getFileName().toString());
                    }
                    cycle.add(tn.getFileName().toString());
                    diags.add(Diagnostic.error(imp.pos(), "import cycle: " + String.join(" -> ", cycle),
                        "move the shared declarations into a file that both import"));
                    continue;
                }
                if (loaded.contains(tn.toString())) {
                    continue;
                }
                String text;
                try {
                    text = loader.load(target);
                } catch (IOException | InvalidPathException e) {
                    diags.add(Diagnostic.error(imp.pos(), "cannot read imported file \"" + Lexer.visible(imp.path()) + "\": "
                        + Lexer.visible(String.valueOf(e.getMessage()))));
                    continue;
                }
                if (text == null) {
                    diags.add(Diagnostic.error(imp.pos(), "imported file \"" + Lexer.visible(imp.path()) + "\" not found (looked for "
                        + Lexer.visible(target.toString()) + ")", "import paths are relative to the importing file"));
                    continue;
                }
                load(target, text, out, stack);
            } else {
                out.add(s);
            }
        }
        stack.pop();
    }

    // ---------------------------------------------------------------- declarations

    private Relation newRelation(String name, Relation.Kind kind, boolean durable, String[] cols, Type[] types,
                                 boolean located, int[] key, long period) {
        Relation r = new Relation(rels.size(), name, kind, durable, cols, types, located, key, period);
        rels.put(name, r);
        return r;
    }

    private static int[] all(int n) {
        int[] k = new int[n];
        for (int i = 0; i < n; i++) {
            k[i] = i;
        }
        return k;
    }

    private void declareBuiltins() {
        Pos b = new Pos("<builtin>", 1, 1);
        builtin(b, "self", Relation.Kind.BUILTIN, new String[] {"Me"}, new Type[] {Type.ADDR}, true);
        builtin(b, "sys_step", Relation.Kind.BUILTIN, new String[] {"Node", "Step", "NowMs"},
            new Type[] {Type.ADDR, Type.LONG, Type.LONG}, true);
        builtin(b, "sys_relation", Relation.Kind.BUILTIN, new String[] {"Node", "Name", "Size"},
            new Type[] {Type.ADDR, Type.STRING, Type.LONG}, true);
        builtin(b, "sys_rule", Relation.Kind.BUILTIN, new String[] {"Node", "Program", "Rule", "Fired", "Micros"},
            new Type[] {Type.ADDR, Type.STRING, Type.STRING, Type.LONG, Type.LONG}, true);
        builtin(b, "sys_now", Relation.Kind.BUILTIN, new String[] {"NowMs"}, new Type[] {Type.LONG}, false);
        builtin(b, "die", Relation.Kind.EVENT, new String[] {"Message"}, new Type[] {Type.STRING}, false);
    }

    private void builtin(Pos pos, String name, Relation.Kind kind, String[] cols, Type[] types, boolean located) {
        newRelation(name, kind, false, cols, types, located, all(cols.length), 0);
        declPos.put(name, pos);
    }

    private boolean duplicate(Pos pos, String name) {
        Pos first = declPos.get(name);
        if (first == null) {
            return false;
        }
        if (first.file().equals("<builtin>")) {
            diags.add(Diagnostic.error(pos, "'" + name + "' is a built-in relation and cannot be declared again"));
        } else {
            diags.add(Diagnostic.error(pos, "relation '" + name + "' is declared twice (first at " + first + ")"));
        }
        return true;
    }

    private void declare(RelationDecl d) {
        if (duplicate(d.pos(), d.name())) {
            return;
        }
        declPos.put(d.name(), d.pos());
        userDecls.put(d.name(), d);
        int n = d.columns().size();
        String[] cols = new String[n];
        Type[] types = new Type[n];
        Set<String> seen = new HashSet<>();
        boolean located = false;
        for (int i = 0; i < n; i++) {
            Column c = d.columns().get(i);
            cols[i] = c.name();
            types[i] = c.type();
            if (!seen.add(c.name())) {
                diags.add(Diagnostic.error(c.pos(), "column " + c.name() + " appears twice in " + d.name()));
            }
            if (c.located()) {
                if (i != 0) {
                    diags.add(Diagnostic.error(c.pos(), "only the first column may be a location (@" + c.name() + ")"));
                } else {
                    located = true;
                    if (c.type() != Type.ADDR) {
                        diags.add(Diagnostic.error(c.pos(), "location column @" + c.name() + " must have type addr, not "
                            + c.type()));
                    }
                }
            }
        }
        int[] key = all(n);
        if (d.key() != null) {
            if (d.kind() != Kind.TABLE) {
                diags.add(Diagnostic.error(d.keyPos(), "only tables have keys; " + d.name() + " is a "
                    + d.kind().name().toLowerCase()));
            }
            key = new int[d.key().size()];
            for (int i = 0; i < key.length; i++) {
                int idx = Arrays.asList(cols).indexOf(d.key().get(i));
                if (idx < 0) {
                    diags.add(Diagnostic.error(d.keyPos(), "key column " + d.key().get(i) + " is not a column of "
                        + d.name(), "columns: " + String.join(", ", cols)));
                    idx = 0;
                }
                key[i] = idx;
            }
            if (new HashSet<>(d.key()).size() != key.length) {
                diags.add(Diagnostic.error(d.keyPos(), "a key column is listed twice in the key of " + d.name()));
            }
        }
        if (d.durable() && d.kind() != Kind.TABLE) {
            diags.add(Diagnostic.error(d.pos(), "only tables can be durable"));
        }
        Relation.Kind kind = switch (d.kind()) {
            case TABLE -> Relation.Kind.TABLE;
            case VIEW -> Relation.Kind.VIEW;
            case EVENT -> Relation.Kind.EVENT;
        };
        newRelation(d.name(), kind, d.durable(), cols, types, located, key, 0);
    }

    private void declareTimer(TimerDecl t) {
        if (duplicate(t.pos(), t.name())) {
            return;
        }
        declPos.put(t.name(), t.pos());
        if (t.periodMs() <= 0) {
            diags.add(Diagnostic.error(t.pos(), "timer period must be at least 1 ms"));
        }
        newRelation(t.name(), Relation.Kind.EVENT, false, new String[0], new Type[0], false, new int[0],
            Math.max(1, t.periodMs()));
    }

    /** Events written by plain (instant, local) rules become derived; they get a received part. */
    private void markDerivedEvents(List<Stmt> stmts) {
        Set<String> derived = new LinkedHashSet<>();
        for (Stmt s : stmts) {
            if (s instanceof Ast.Rule r && !r.delete() && !r.next()) {
                Relation h = rels.get(r.head().name());
                if (h != null && h.kind == Relation.Kind.EVENT && !h.isTimer() && !sends(r)) {
                    derived.add(h.name);
                }
            }
        }
        for (String name : derived) {
            Relation old = rels.get(name);
            Relation in = newRelation(name + "$in", Relation.Kind.EVENT, false, old.columns, old.types, old.located,
                old.key, 0);
            in.internal = true;
            Relation ev = new Relation(old.id, name, Relation.Kind.DERIVED_EVENT, false, old.columns, old.types,
                old.located, old.key, 0);
            ev.receivedInto = in;
            rels.put(name, ev);
            rules.add(copyRule(ev, in, declPos.get(name), name + "(...) :- " + in.name + "(...)"));
        }
    }

    private Rule copyRule(Relation head, Relation from, Pos pos, String text) {
        int n = head.arity();
        int[] slots = all(n);
        CExpr[] exprs = new CExpr[n];
        String[] names = new String[n];
        for (int i = 0; i < n; i++) {
            int s = i;
            exprs[i] = (f, now) -> f[s];
            names[i] = head.columns[i];
        }
        Lit.Atom atom = new Lit.Atom(from, false, slots.clone(), new Object[n], new boolean[n]);
        return new Rule(rules.size(), null, pos, text, head, exprs, slots, List.of(atom), n, List.of(), names, true);
    }

    /** Whether a rule's head is located at a variable other than its body's location variable. */
    private boolean sends(Ast.Rule r) {
        Relation h = rels.get(r.head().name());
        if (h == null || !h.located || r.head().terms().isEmpty()) {
            return false;
        }
        Expr loc = r.head().terms().get(0);
        String bodyLoc = null;
        for (Literal l : r.body()) {
            Ast.Atom a = l instanceof Positive p ? p.atom() : l instanceof Negated ng ? ng.atom() : null;
            Relation br = a == null ? null : rels.get(a.name());
            if (br != null && br.located && !a.terms().isEmpty() && a.terms().get(0) instanceof Var v) {
                bodyLoc = v.name();
                break;
            }
        }
        return !(loc instanceof Var v && v.name().equals(bodyLoc));
    }

    private void watch(Watch w) {
        Relation r = rels.get(w.name());
        if (r == null) {
            unknown(w.namePos(), w.name());
            return;
        }
        r.watched = true;
    }

    /**
     * Reports an unknown relation, suggesting the nearest declared name (at most two edits; a
     * swap of two adjacent letters is one edit). Ties go to the program's own relations before
     * the built-ins, then to the alphabetically first name, so the hint is deterministic.
     */
    private void unknown(Pos pos, String name) {
        String best = null;
        int bestD = 3;
        boolean bestBuiltin = true;
        for (Map.Entry<String, Pos> e : declPos.entrySet()) {
            String cand = e.getKey();
            boolean builtin = e.getValue().file().equals("<builtin>");
            int d = editDistance(name, cand);
            if (d > 2 || d > bestD) {
                continue;
            }
            boolean better = best == null || d < bestD
                || (bestBuiltin && !builtin)
                || (bestBuiltin == builtin && cand.compareTo(best) < 0);
            if (better) {
                best = cand;
                bestD = d;
                bestBuiltin = builtin;
            }
        }
        diags.add(Diagnostic.error(pos, "unknown relation '" + name + "'",
            best != null ? "did you mean '" + best + "'?" : "declare it first, e.g. table " + name + "(...)."));
    }

    /**
     * Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
     * adjacent characters each count one edit.
     */
    static int editDistance(String a, String b) {
        int n = a.length();
        int m = b.length();
        if (Math.abs(n - m) > 2 || (long) n * m > 1_000_000) {
            return Math.max(3, Math.abs(n - m)); // too far apart (or too long) to be a typo
        }
        int[][] d = new int[n + 1][m + 1];
        for (int i = 0; i <= n; i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= m; j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= n; i++) {
            for (int j = 1; j <= m; j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return d[n][m];
    }

    private void fact(Fact f) {
        Relation r = rels.get(f.name());
        if (r == null) {
            unknown(f.pos(), f.name());
            return;
        }
        if (r.kind != Relation.Kind.TABLE) {
            diags.add(Diagnostic.error(f.pos(), "facts can only be given for tables; " + f.name() + " is "
                + kindText(r), r.kind == Relation.Kind.VIEW ? "a view is derived by its rules" : null));
            return;
        }
        if (f.values().size() != r.arity()) {
            diags.add(arity(f.pos(), r, f.values().size()));
            return;
        }
        if (f.located() && !r.located) {
            diags.add(notLocated(f.pos(), r));
            return;
        }
        Object[] vals = new Object[r.arity()];
        for (int i = 0; i < vals.length; i++) {
            Expr e = f.values().get(i);
            if (!(e instanceof Const c)) {
                diags.add(Diagnostic.error(e.pos(), "a fact holds constants only", "use a rule to compute values"));
                return;
            }
            Type t = ExprCompiler.typeOf(c.value());
            if (!r.types[i].accepts(t)) {
                diags.add(Diagnostic.error(e.pos(), "column " + r.columns[i] + " of " + r.name + " is a " + r.types[i]
                    + ", but this value is a " + t));
                return;
            }
            vals[i] = c.value();
        }
        facts.add(Tuple.wrap(r.name, vals));
    }

    static String kindText(Relation r) {
        if (r.isTimer()) {
            return "a timer";
        }
        return switch (r.kind) {
            case TABLE -> "a table";
            case VIEW -> "a view";
            case EVENT, DERIVED_EVENT -> "an event";
            case BUILTIN -> "a built-in relation";
        };
    }

    /** '@' on the first term of a relation that has no location column. */
    static Diagnostic notLocated(Pos pos, Relation r) {
        return Diagnostic.error(pos, r.name + " has no location column, so its first term cannot be written with @",
            "declare the first column as @Col: addr, or drop the @");
    }

    private Diagnostic arity(Pos pos, Relation r, int given) {
        return Diagnostic.error(pos, r.name + " has " + r.arity() + " column(s), but " + given + " term(s) are given",
            r.arity() == 0 ? r.name + "()" : r.name + "(" + String.join(", ", r.columns) + ")");
    }

    // ---------------------------------------------------------------- rules

    private void rule(Ast.Rule r) {
        new RuleCompiler(this, r).compile();
    }

    // Package-private access for RuleCompiler.
    Functions functions() {
        return functions;
    }

    List<Diagnostic> diags() {
        return diags;
    }

    Relation relation(String name) {
        return rels.get(name);
    }

    boolean isRelation(String name) {
        return rels.containsKey(name);
    }

    void reportUnknown(Pos pos, String name) {
        unknown(pos, name);
    }

    Diagnostic arityError(Pos pos, Relation r, int given) {
        return arity(pos, r, given);
    }

    Relation hidden(Relation like, String suffix) {
        String name = like.name + "$" + suffix;
        Relation h = newRelation(name, Relation.Kind.VIEW, false, like.columns, like.types, like.located, all(like.arity()), 0);
        h.internal = true;
        return h;
    }

    /** How many rules of the program (as written) have {@code name} as their head. */
    int rulesDeriving(String name) {
        return rulesByHead.getOrDefault(name, 0);
    }

    int nextRuleId() {
        return rules.size();
    }

    void addRule(Rule r) {
        rules.add(r);
    }

    void addAction(Action a) {
        actions.add(a);
    }

    Rule copy(Relation head, Relation from, Pos pos, String text) {
        return copyRule(head, from, pos, text);
    }

    // ---------------------------------------------------------------- warnings

    private void warnings(List<Stmt> stmts) {
        Set<String> read = new HashSet<>();
        Set<String> written = new HashSet<>();
        for (Rule r : rules) {
            for (Lit l : r.body) {
                if (l instanceof Lit.Atom a) {
                    read.add(a.rel().name.replace("$in", ""));
                }
            }
        }
        for (Action a : actions) {
            written.add(a.target().name);
        }
        for (Rule r : rules) {
            written.add(r.head.name);
        }
        Map<String, Pos> sorted = new TreeMap<>();
        for (Stmt s : stmts) {
            if (s instanceof RelationDecl d) {
                sorted.put(d.name(), d.pos());
            }
        }
        for (Map.Entry<String, Pos> e : sorted.entrySet()) {
            Relation r = rels.get(e.getKey());
            if (r.kind == Relation.Kind.VIEW && !written.contains(r.name)) {
                diags.add(Diagnostic.warning(e.getValue(), "view " + r.name + " has no rules, so it is always empty"));
            }
            if ((r.kind == Relation.Kind.EVENT || r.kind == Relation.Kind.DERIVED_EVENT) && !r.located
                && !read.contains(r.name) && !r.watched) {
                diags.add(Diagnostic.warning(e.getValue(), "event " + r.name + " is never read by a rule"));
            }
        }
    }
}
