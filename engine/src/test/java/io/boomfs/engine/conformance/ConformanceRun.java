package io.boomfs.engine.conformance;

import io.boomfs.engine.NodeOptions;
import io.boomfs.engine.OverlogException;
import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.StepResult;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs one conformance program on one evaluator, the way {@code boom olg run} does: one node
 * with address {@code local}; step 1 at nowMs 0, each next step {@code tick-ms} later; the
 * inbound tuples of step k are the tuples the node sent to {@code local} in step k-1 (in the
 * order sent) followed by the script's {@code at k} tuples. Without {@code steps} it runs until
 * quiescent: the node has no pending work, nothing was sent to it and no {@code at} step is
 * left. A step that throws, or whose result carries die messages, ends the run.
 */
final class ConformanceRun {
    static final String ADDRESS = "local";
    static final int MAX_STEPS = 1000;

    /** What happened. {@code output} is the printed text (meaningless when {@code error} is set). */
    record Outcome(String output, String error, int errorStep, List<String> dieMessages, int steps, List<String> trace) {
    }

    static Outcome run(Program program, Script script, NodeOptions.EvaluatorKind kind) {
        OverlogNode node = new OverlogNode(program, ADDRESS, script.options(kind));
        if (script.steps == null && node.hasTimers()) {
            throw new IllegalArgumentException("a program with a timer never quiesces: give // steps: N");
        }
        List<Tuple> delivered = new ArrayList<>();
        List<String> sentElsewhere = new ArrayList<>();
        List<String> trace = new ArrayList<>();
        String error = null;
        int errorStep = 0;
        List<String> die = List.of();
        int step = 0;
        while (true) {
            if (script.steps != null) {
                if (step >= script.steps) {
                    break;
                }
            } else if (step >= 1 && step >= script.lastInboundStep() && delivered.isEmpty() && !node.hasPendingWork()) {
                break;
            }
            step++;
            if (step > MAX_STEPS) {
                throw new AssertionError("not quiescent after " + MAX_STEPS + " steps; trace:\n" + String.join("\n", trace));
            }
            List<Tuple> inbound = new ArrayList<>(delivered);
            inbound.addAll(script.at.getOrDefault(step, List.of()));
            long nowMs = (step - 1) * script.tickMs;
            trace.add("step " + step + " at " + nowMs + " ms, inbound " + inbound);
            StepResult r;
            try {
                r = node.step(nowMs, inbound);
            } catch (OverlogException e) {
                error = e.getMessage();
                errorStep = step;
                trace.add("  threw: " + error);
                break;
            }
            delivered = new ArrayList<>();
            for (Map.Entry<String, List<Tuple>> e : r.outbound().entrySet()) {
                for (Tuple t : e.getValue()) {
                    if (e.getKey().equals(ADDRESS)) {
                        delivered.add(t);
                    } else {
                        sentElsewhere.add(e.getKey() + " " + t);
                    }
                }
                trace.add("  sent to " + e.getKey() + ": " + e.getValue());
            }
            if (!r.dieMessages().isEmpty()) {
                die = List.copyOf(r.dieMessages());
                trace.add("  die: " + die);
                break;
            }
        }
        String output = error != null ? "" : print(node, script, sentElsewhere);
        return new Outcome(output, error, errorStep, die, step, trace);
    }

    static String print(OverlogNode node, Script script, List<String> sentElsewhere) {
        StringBuilder sb = new StringBuilder();
        for (String rel : script.print) {
            List<String> lines = new ArrayList<>();
            if (rel.equals("@sent")) {
                lines.addAll(sentElsewhere);
            } else {
                for (Tuple t : node.contents(rel)) {
                    lines.add(t.toString());
                }
            }
            lines.sort(String::compareTo);
            for (String l : lines) {
                sb.append(l).append('\n');
            }
        }
        return sb.toString();
    }
}
