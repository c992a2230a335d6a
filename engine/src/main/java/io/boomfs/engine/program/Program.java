package io.boomfs.engine.program;

import io.boomfs.engine.Tuple;
import io.boomfs.engine.lang.Diagnostic;

import java.util.List;
import java.util.Map;

/**
 * A checked, compiled Overlog program: immutable, shared by every node that runs it. Evaluators
 * read the relations, rules, actions and strata; nodes read the facts.
 *
 * @param strata each stratum lists the derived relations computed together, bottom-up; every
 *               relation a stratum's rules read is in it or in a lower one.
 */
public record Program(
        String name,
        List<Relation> relations,
        Map<String, Relation> byName,
        List<Rule> rules,
        List<Action> actions,
        List<List<Relation>> strata,
        List<Tuple> facts,
        List<Diagnostic> warnings,
        List<String> stratumText,
        long fingerprint) {

    public Relation relation(String name) {
        return byName.get(name);
    }

    /** The user-visible relations (no compiler-made ones), in declaration order. */
    public List<Relation> userRelations() {
        return relations.stream().filter(r -> !r.internal).toList();
    }
}
