package io.boomfs.engine.lang;

import io.boomfs.engine.program.Action;
import io.boomfs.engine.program.Lit;
import io.boomfs.engine.program.Relation;
import io.boomfs.engine.program.Rule;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Orders the derived relations into strata (strongly connected components of the dependency
 * graph, bottom-up) and rejects negation or aggregation through recursion, naming the cycle.
 */
final class Stratifier {
    private record Edge(Relation from, Relation to, boolean strict, Rule rule) {
    }

    private final List<Relation> rels;
    private final List<Rule> rules;
    private final List<Action> actions;
    private final List<Diagnostic> diags;
    private final Map<Relation, List<Edge>> out = new HashMap<>();

    Stratifier(List<Relation> rels, List<Rule> rules, List<Action> actions, List<Diagnostic> diags) {
        this.rels = rels;
        this.rules = rules;
        this.actions = actions;
        this.diags = diags;
    }

    void run(List<List<Relation>> strata, List<String> text) {
        List<Edge> edges = new ArrayList<>();
        for (Rule r : rules) {
            for (Lit l : r.body) {
                if (l instanceof Lit.Atom a) {
                    edges.add(new Edge(a.rel(), r.head, a.negated() || r.isAggregate(), r));
                }
            }
        }
        for (Action a : actions) {
            if (a.kind() == Action.Kind.INSERT_NOW) {
                edges.add(new Edge(a.source(), a.target(), false, a.rule()));
            }
        }
        for (Edge e : edges) {
            out.computeIfAbsent(e.from, k -> new ArrayList<>()).add(e);
        }
        List<List<Relation>> sccs = tarjan();
        Map<Relation, Integer> comp = new HashMap<>();
        for (int i = 0; i < sccs.size(); i++) {
            for (Relation r : sccs.get(i)) {
                comp.put(r, i);
            }
        }
        Set<String> reported = new LinkedHashSet<>();
        for (Edge e : edges) {
            if (e.strict && comp.get(e.from).equals(comp.get(e.to))) {
                String cycle = cycle(e, comp);
                if (reported.add(cycle)) {
                    boolean neg = e.rule.body.stream().anyMatch(l -> l instanceof Lit.Atom a && a.negated() && a.rel() == e.from);
                    diags.add(Diagnostic.error(e.rule.pos, (neg ? "negation" : "aggregation") + " through recursion: "
                        + cycle, "a relation may not depend on " + (neg ? "the absence of" : "an aggregate over")
                        + " itself; compute it in a lower stratum or use @next"));
                }
            }
        }
        Set<Relation> insertTargets = new LinkedHashSet<>();
        for (Action a : actions) {
            if (a.kind() == Action.Kind.INSERT_NOW) {
                insertTargets.add(a.target());
            }
        }
        // Tarjan yields components in reverse topological order of the edges from -> to.
        for (int i = sccs.size() - 1; i >= 0; i--) {
            List<Relation> scc = sccs.get(i);
            boolean evaluated = scc.stream().anyMatch(r -> r.isDerived() || insertTargets.contains(r));
            if (!evaluated) {
                continue;
            }
            int s = strata.size();
            for (Relation r : scc) {
                r.stratum = s;
            }
            strata.add(List.copyOf(scc));
            StringBuilder sb = new StringBuilder("stratum " + s + ":");
            for (Relation r : scc) {
                sb.append(' ').append(display(r));
            }
            for (Rule r : rules) {
                if (scc.contains(r.head)) {
                    sb.append("\n  rule ").append(r.name()).append(" <- ");
                    Set<String> deps = new LinkedHashSet<>();
                    for (Lit l : r.body) {
                        if (l instanceof Lit.Atom a) {
                            deps.add((a.negated() ? "notin " : "") + display(a.rel()));
                        }
                    }
                    sb.append(String.join(", ", deps));
                    sb.append(" => ").append(display(r.head));
                }
            }
            for (Action a : actions) {
                if (a.kind() == Action.Kind.INSERT_NOW && scc.contains(a.target())) {
                    sb.append("\n  insert ").append(display(a.source())).append(" => table ").append(a.target().name);
                }
            }
            text.add(sb.toString());
        }
    }

    /** A relation as a person reads it: compiler-made relations say what they hold. */
    private String display(Relation r) {
        if (!r.internal) {
            return r.name;
        }
        String base = userName(r);
        if (r.name.endsWith("$in")) {
            return base + "[received]";
        }
        if (r.name.contains("$agg")) {
            return base + "[aggregate]";
        }
        for (Action a : actions) {
            if (a.source() == r) {
                switch (a.kind()) {
                    case INSERT_NOW:
                        return base + "[to insert]";
                    case NEXT:
                        return base + "[@next]";
                    case DELETE:
                        return base + "[to delete]";
                    default:
                        return base + "[to send]";
                }
            }
        }
        return base;
    }

    static String userName(Relation r) {
        int d = r.name.indexOf('$');
        return d < 0 ? r.name : r.name.substring(0, d);
    }

    private String cycle(Edge e, Map<Relation, Integer> comp) {
        // Shortest path to -> ... -> from inside the component, then the strict edge closes it.
        Map<Relation, Relation> prev = new HashMap<>();
        Deque<Relation> q = new ArrayDeque<>();
        q.add(e.to);
        prev.put(e.to, e.to);
        while (!q.isEmpty()) {
            Relation u = q.poll();
            if (u == e.from) {
                break;
            }
            for (Edge f : out.getOrDefault(u, List.of())) {
                if (comp.get(f.to).equals(comp.get(e.from)) && !prev.containsKey(f.to)) {
                    prev.put(f.to, u);
                    q.add(f.to);
                }
            }
        }
        List<String> names = new ArrayList<>();
        Relation cur = e.from;
        while (cur != e.to) {
            names.add(0, userName(cur));
            cur = prev.get(cur);
            if (cur == null) {
                break;
            }
        }
        names.add(0, userName(e.to));
        names.add(userName(e.to));
        // A hidden relation (t$r3) shows as its user relation (t): merge neighbours that read alike.
        List<String> dedup = new ArrayList<>();
        for (String n : names) {
            if (dedup.isEmpty() || !dedup.get(dedup.size() - 1).equals(n)) {
                dedup.add(n);
            }
        }
        if (dedup.size() == 1) {
            // A relation that depends on itself: the cycle is still a cycle, win -> win.
            dedup.add(dedup.get(0));
        }
        return String.join(" -> ", dedup);
    }

    private int index;
    private final Map<Relation, Integer> idx = new HashMap<>();
    private final Map<Relation, Integer> low = new HashMap<>();
    private final Deque<Relation> stack = new ArrayDeque<>();
    private final Set<Relation> onStack = new LinkedHashSet<>();

    private List<List<Relation>> tarjan() {
        List<List<Relation>> res = new ArrayList<>();
        for (Relation r : rels) {
            if (!idx.containsKey(r)) {
                strong(r, res);
            }
        }
        return res;
    }

    /** Iterative Tarjan (no recursion, so a long chain of relations cannot overflow the stack). */
    private void strong(Relation root, List<List<Relation>> res) {
        Deque<Object[]> work = new ArrayDeque<>();
        work.push(new Object[] {root, 0});
        idx.put(root, index);
        low.put(root, index++);
        stack.push(root);
        onStack.add(root);
        while (!work.isEmpty()) {
            Object[] frame = work.peek();
            Relation v = (Relation) frame[0];
            int i = (Integer) frame[1];
            List<Edge> es = out.getOrDefault(v, List.of());
            if (i < es.size()) {
                frame[1] = i + 1;
                Relation w = es.get(i).to;
                if (!idx.containsKey(w)) {
                    idx.put(w, index);
                    low.put(w, index++);
                    stack.push(w);
                    onStack.add(w);
                    work.push(new Object[] {w, 0});
                } else if (onStack.contains(w)) {
                    low.put(v, Math.min(low.get(v), idx.get(w)));
                }
                continue;
            }
            work.pop();
            if (!work.isEmpty()) {
                Relation parent = (Relation) work.peek()[0];
                low.put(parent, Math.min(low.get(parent), low.get(v)));
            }
            if (low.get(v).equals(idx.get(v))) {
                List<Relation> scc = new ArrayList<>();
                Relation w;
                do {
                    w = stack.pop();
                    onStack.remove(w);
                    scc.add(w);
                } while (w != v);
                res.add(scc);
            }
        }
    }
}
