package io.boomfs.engine;

import java.util.List;
import java.util.Map;

/**
 * What one {@link OverlogNode#step} produced. The driver that owns the node's loop must honour
 * the ordering rule written on each field.
 *
 * @param step           the number of the step that produced this result (the first step is 1)
 * @param durableChanges the changes this step made to {@code durable} tables, in the order they
 *                       were applied. <b>They must be on stable storage before any tuple of
 *                       {@link #outbound} leaves the node</b>: that is the step contract the Paxos
 *                       acceptor relies on (a promise is never sent before it is recorded).
 * @param outbound       tuples for other nodes (and for this node's own address when a rule
 *                       sends to it), keyed by destination address, each list in derivation
 *                       order. Sent after {@link #durableChanges} are durable; delivery is not
 *                       guaranteed (Overlog messages may be lost, duplicated or reordered).
 * @param watchEvents    changes of relations declared with {@code watch}, for tracing; no
 *                       ordering obligation.
 * @param dieMessages    messages of {@code die(M)} tuples true at this step's fixpoint: an
 *                       invariant was violated. Tests fail on them; production logs and counts.
 */
public record StepResult(
        long step,
        List<Change> durableChanges,
        Map<String, List<Tuple>> outbound,
        List<WatchEvent> watchEvents,
        List<String> dieMessages) {

    /** One change to a durable table. */
    public record Change(Tuple tuple, boolean insert) {
        @Override
        public String toString() {
            return (insert ? "+" : "-") + tuple;
        }
    }

    /** One change of a watched relation in the step {@code step}. */
    public record WatchEvent(long step, Tuple tuple, boolean insert) {
        @Override
        public String toString() {
            return "step " + step + " " + (insert ? "+" : "-") + tuple;
        }
    }

    public boolean hasOutbound() {
        return !outbound.isEmpty();
    }
}
