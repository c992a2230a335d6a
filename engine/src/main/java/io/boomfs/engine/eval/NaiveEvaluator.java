package io.boomfs.engine.eval;

import io.boomfs.engine.NodeOptions;
import io.boomfs.engine.StepResult;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.program.Relation;

import java.util.List;

/** Placeholder while the evaluator is being written on its branch; replaced before issue 3 lands. */
public final class NaiveEvaluator implements Evaluator {
    public NaiveEvaluator(Program program, String address, NodeOptions options) {
        throw new IllegalStateException("NaiveEvaluator is being written");
    }

    @Override
    public void load(Relation rel, Object[] row) {
    }

    @Override
    public StepResult step(long nowMs, List<Tuple> inbound) {
        return null;
    }

    @Override
    public List<Object[]> rows(Relation rel) {
        return List.of();
    }

    @Override
    public boolean hasPendingWork() {
        return false;
    }

    @Override
    public long nextTimerDueMs() {
        return Long.MAX_VALUE;
    }

    @Override
    public long steps() {
        return 0;
    }
}
