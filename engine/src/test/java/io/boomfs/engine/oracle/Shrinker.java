package io.boomfs.engine.oracle;

import io.boomfs.engine.Tuple;
import io.boomfs.engine.oracle.RandomProgramGenerator.Case;
import io.boomfs.engine.oracle.RandomProgramGenerator.Step;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Greedy shrinking of a failing case: drop one rule, fact, declaration, step, host load or
 * inbound tuple at a time, and keep the smaller case whenever it still fails. The predicate is
 * responsible for rejecting cases that no longer compile; dropping a declaration also drops the
 * facts, watches and step tuples of that relation, so that the inputs stay well-formed.
 */
final class Shrinker {
    private static final Pattern DECLARED = Pattern.compile("(?:table|view|event|timer)\\s+(\\w+)\\(");

    private final Predicate<Case> fails;
    private int budget;

    private Shrinker(Predicate<Case> fails, int budget) {
        this.fails = fails;
        this.budget = budget;
    }

    /** The smallest case found from {@code c} that still fails, trying at most {@code budget} candidates. */
    static Case shrink(Case c, Predicate<Case> fails, int budget) {
        return new Shrinker(fails, budget).run(c);
    }

    private Case run(Case c) {
        boolean progress = true;
        while (progress && budget > 0) {
            progress = false;
            Case before = c;
            c = dropEach(c, x -> x.rules().size(), (x, i) -> with(x, x.decls(), x.facts(), without(x.rules(), i), x.steps()));
            c = dropEach(c, x -> x.steps().size(), (x, i) -> x.steps().size() > 1
                ? with(x, x.decls(), x.facts(), x.rules(), without(x.steps(), i)) : null);
            c = dropEach(c, x -> x.facts().size(), (x, i) -> with(x, x.decls(), without(x.facts(), i), x.rules(), x.steps()));
            c = dropEach(c, x -> x.decls().size(), Shrinker::withoutDecl);
            c = dropTuples(c);
            progress = c != before;
        }
        return c;
    }

    private interface Drop {
        /** The case without its i-th element of some kind, or null when that cannot be dropped. */
        Case apply(Case c, int i);
    }

    /** Tries to drop each element, from the last one back, keeping every drop that still fails. */
    private Case dropEach(Case c, Function<Case, Integer> size, Drop drop) {
        for (int i = size.apply(c) - 1; i >= 0 && budget > 0; i--) {
            if (i >= size.apply(c)) {
                continue;
            }
            Case candidate = drop.apply(c, i);
            if (candidate != null && stillFails(candidate)) {
                c = candidate;
            }
        }
        return c;
    }

    private Case dropTuples(Case c) {
        for (int s = c.steps().size() - 1; s >= 0 && budget > 0; s--) {
            final int step = s;
            c = dropEach(c, x -> x.steps().get(step).loads().size(), (x, i) -> withStep(x, step,
                new Step(x.steps().get(step).nowMs(), without(x.steps().get(step).loads(), i), x.steps().get(step).inbound())));
            c = dropEach(c, x -> x.steps().get(step).inbound().size(), (x, i) -> withStep(x, step,
                new Step(x.steps().get(step).nowMs(), x.steps().get(step).loads(), without(x.steps().get(step).inbound(), i))));
        }
        return c;
    }

    private boolean stillFails(Case c) {
        budget--;
        return fails.test(c);
    }

    private static Case withoutDecl(Case c, int i) {
        Matcher m = DECLARED.matcher(c.decls().get(i));
        List<String> decls = without(c.decls(), i);
        if (!m.find()) {
            return with(c, decls, c.facts(), c.rules(), c.steps());
        }
        String name = m.group(1);
        decls.removeIf(d -> d.equals("watch " + name + "."));
        List<String> facts = new ArrayList<>(c.facts());
        facts.removeIf(f -> f.startsWith(name + "("));
        List<Step> steps = new ArrayList<>();
        for (Step s : c.steps()) {
            steps.add(new Step(s.nowMs(), notOf(s.loads(), name), notOf(s.inbound(), name)));
        }
        return with(c, decls, facts, c.rules(), steps);
    }

    private static List<Tuple> notOf(List<Tuple> ts, String relation) {
        List<Tuple> out = new ArrayList<>(ts);
        out.removeIf(t -> t.relation().equals(relation));
        return out;
    }

    private static Case withStep(Case c, int i, Step s) {
        List<Step> steps = new ArrayList<>(c.steps());
        steps.set(i, s);
        return with(c, c.decls(), c.facts(), c.rules(), steps);
    }

    private static Case with(Case c, List<String> decls, List<String> facts, List<String> rules, List<Step> steps) {
        return new Case(c.seed(), List.copyOf(decls), List.copyOf(facts), List.copyOf(rules), List.copyOf(steps));
    }

    private static <T> List<T> without(List<T> xs, int i) {
        List<T> out = new ArrayList<>(xs);
        out.remove(i);
        return out;
    }
}
