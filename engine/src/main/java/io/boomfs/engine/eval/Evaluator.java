package io.boomfs.engine.eval;

import io.boomfs.engine.StepResult;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Relation;

import java.util.List;

/**
 * The state of one node and the way it advances: one implementation maintains views
 * incrementally, the other recomputes them (the oracle). Both implement the same step
 * semantics (engine/LANGUAGE.md) and must agree tuple for tuple after every step.
 */
public interface Evaluator {
    /** Adds a tuple as the host: into a table now (replacing its key), into an event at the next step. */
    void load(Relation rel, Object[] row);

    /** One timestep; inbound tuples are already validated against their relations. */
    StepResult step(long nowMs, List<Tuple> inbound);

    /** The current contents of a relation (after the last step), in no particular order. */
    List<Object[]> rows(Relation rel);

    /** Whether a step would change something even without input: @next tuples, unprocessed changes. */
    boolean hasPendingWork();

    /** When the earliest timer is next due; Long.MAX_VALUE when the program has no timer. */
    long nextTimerDueMs();

    /** Steps taken so far. */
    long steps();
}
