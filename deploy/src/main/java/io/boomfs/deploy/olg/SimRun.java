package io.boomfs.deploy.olg;

import io.boomfs.deploy.Boom;
import io.boomfs.deploy.CliException;
import io.boomfs.engine.OverlogException;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.program.Relation;
import io.boomfs.engine.sim.SimConfig;
import io.boomfs.engine.sim.SimulationException;
import io.boomfs.engine.sim.Simulator;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One run of {@code boom olg run}: the nodes in the simulator, the step loop, the watch traces
 * and the final output. Every node, the single {@code local} one included, runs in the
 * simulator, so that a message a node sends to itself travels the same way as in a cluster.
 */
final class SimRun {
    private final Boom app;
    private final Program program;
    private final List<String> addresses;
    private final boolean prefixAddress;
    private final Simulator sim;
    private final List<Relation> watched;
    /** The contents of each watched relation at the end of the previous step, per node. */
    private final Map<String, Map<String, Set<Tuple>>> lastWatched = new HashMap<>();

    /**
     * @param prefixAddress whether output lines start with the node address (--nodes)
     * @param seed          the network's seed; when absent the network has no faults and the
     *                      single node's run does not print the simulator's header
     */
    SimRun(Boom app, Program program, List<String> addresses, boolean prefixAddress, Optional<Long> seed,
           SimConfig config, Map<String, List<Tuple>> facts) {
        this.app = app;
        this.program = program;
        this.addresses = addresses;
        this.prefixAddress = prefixAddress;
        // The header (SEED=..., fault settings) matters when a run can differ by seed: with
        // several nodes or a seeded network. A lone fault-free node has nothing to replay.
        boolean header = prefixAddress || seed.isPresent();
        PrintStream log = header ? app.err() : new PrintStream(OutputStream.nullOutputStream());
        this.sim = new Simulator(seed.orElse(0L), config, log);
        this.watched = program.userRelations().stream().filter(r -> r.watched).toList();
        for (String a : addresses) {
            sim.addNode(a, program);
            for (Tuple t : facts.get(a)) {
                try {
                    sim.load(a, t);
                } catch (IllegalArgumentException e) {
                    throw new CliException("cannot load " + t + " into node " + a + ": " + e.getMessage());
                }
            }
        }
    }

    /**
     * Runs exactly {@code steps} steps, or until quiescent (at least one step) when
     * {@code steps} is null, then prints the relations.
     *
     * @return the exit code: {@link Boom#OK} or {@link Boom#DIE}
     */
    int run(Long steps, long maxSteps, List<String> print) {
        long k = 0;
        while (steps != null ? k < steps : k == 0 || !sim.quiescent()) {
            if (steps == null && k == maxSteps) {
                throw new CliException(program.name() + " is still not quiescent after " + maxSteps
                    + " steps (something changes in every step): give --steps N to run exactly N steps,"
                    + " or a larger --max-steps");
            }
            k++;
            List<String> dies;
            try {
                dies = sim.round();
            } catch (SimulationException e) {
                // A rule failed or a node refused a message: the user's program, told in words.
                // Anything else is an engine bug and keeps its stack trace.
                if (e.getCause() instanceof OverlogException || e.getCause() instanceof IllegalArgumentException) {
                    throw new CliException(e.getMessage());
                }
                throw e;
            }
            traceWatched(k);
            if (!dies.isEmpty()) {
                for (String d : dies) {
                    app.err().println("boom: die in step " + k + ": " + d);
                }
                return Boom.DIE;
            }
        }
        printRelations(print);
        return Boom.OK;
    }

    private void printRelations(List<String> print) {
        if (print.isEmpty()) {
            app.err().println("boom: nothing to print: name relations with --print REL");
            return;
        }
        StringBuilder sb = new StringBuilder();
        for (String rel : print) {
            for (String a : addresses) {
                for (Tuple t : sim.node(a).contents(rel)) {
                    if (prefixAddress) {
                        sb.append(a).append(' ');
                    }
                    sb.append(t).append('\n');
                }
            }
        }
        app.out().print(sb);
    }

    /** Prints each watched relation's changes in step {@code k}: deletions first, each part sorted. */
    private void traceWatched(long k) {
        for (String a : addresses) {
            Map<String, Set<Tuple>> last = lastWatched.computeIfAbsent(a, x -> new HashMap<>());
            for (Relation r : watched) {
                Set<Tuple> before = last.getOrDefault(r.name, Set.of());
                Set<Tuple> after = new LinkedHashSet<>(sim.node(a).contents(r.name));
                String who = prefixAddress ? a + ": " : "";
                for (Tuple t : sortedDifference(before, after)) {
                    app.err().println("watch: " + who + "step " + k + " -" + t);
                }
                for (Tuple t : sortedDifference(after, before)) {
                    app.err().println("watch: " + who + "step " + k + " +" + t);
                }
                last.put(r.name, after);
            }
        }
    }

    private static List<Tuple> sortedDifference(Set<Tuple> a, Set<Tuple> b) {
        List<Tuple> d = new ArrayList<>();
        for (Tuple t : a) {
            if (!b.contains(t)) {
                d.add(t);
            }
        }
        d.sort(Comparator.comparing(Tuple::toString));
        return d;
    }
}
