package io.boomfs.engine.sim;

import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.lang.Compiler;
import io.boomfs.engine.lang.Diagnostic;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.program.Relation;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** What the simulator tests share: seeds, compiling programs, reading node state. */
final class SimSupport {
    private SimSupport() {
    }

    /**
     * The seeds a randomized test runs: the one given with {@code -Dseed=<n>} (to replay a
     * failing run), or else the test's fixed defaults, so that the default build is repeatable.
     */
    static List<Long> seeds(long... defaults) {
        Long given = Long.getLong("seed");
        if (given != null) {
            return List.of(given);
        }
        List<Long> out = new ArrayList<>();
        for (long s : defaults) {
            out.add(s);
        }
        return out;
    }

    /** Compiles a program from source; fails the test with the diagnostics when it does not compile. */
    static Program compile(String name, String source) {
        Compiler.Result r = Compiler.compileSource(name, source);
        if (!r.ok()) {
            throw new AssertionError("test program " + name + " does not compile:\n"
                + r.diagnostics().stream().map(Diagnostic::toString).collect(Collectors.joining("\n")));
        }
        return r.program();
    }

    /** A relation's contents as text lines, sorted. */
    static List<String> lines(OverlogNode node, String relation) {
        return node.contents(relation).stream().map(Tuple::toString).toList();
    }

    /** Every user relation of every node, as text: two equal dumps mean two equal states. */
    static List<String> dump(Simulator sim) {
        List<String> out = new ArrayList<>();
        for (String a : sim.addresses()) {
            OverlogNode n = sim.node(a);
            out.add(a + " up=" + sim.isUp(a) + " steps=" + n.steps());
            for (Relation r : n.program().userRelations()) {
                if (r.kind == Relation.Kind.BUILTIN) {
                    continue;
                }
                for (Tuple t : n.contents(r.name)) {
                    out.add(a + " " + t);
                }
            }
        }
        return out;
    }

    /** The counters' conservation law: every delivery is delivered, dropped or still in flight. */
    static void assertConservation(Simulator sim) {
        long in = sim.messagesSent() + sim.messagesDuplicated();
        long out = sim.messagesDelivered() + sim.messagesDropped() + sim.messagesInFlight();
        if (in != out) {
            throw new AssertionError("sent " + sim.messagesSent() + " + duplicated " + sim.messagesDuplicated()
                + " != delivered " + sim.messagesDelivered() + " + dropped " + sim.messagesDropped() + " + in flight "
                + sim.messagesInFlight());
        }
    }
}
