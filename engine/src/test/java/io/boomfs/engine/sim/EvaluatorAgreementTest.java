package io.boomfs.engine.sim;

import io.boomfs.engine.NodeOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

import static io.boomfs.engine.sim.DistributedLsTest.EXPECTED;
import static io.boomfs.engine.sim.DistributedLsTest.FAULTY;
import static io.boomfs.engine.sim.DistributedLsTest.MAX_ROUNDS;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The same seeded run under the production evaluator and under the oracle gives the same
 * network trace and the same final states (STYLE.md item 13: one suite, many implementations).
 * The simulator sorts each step's output before drawing its faults, so the evaluators'
 * derivation orders cannot make the runs differ; only a difference in meaning can.
 */
@Timeout(120)
class EvaluatorAgreementTest {
    private record Run(List<String> trace, List<String> state, List<String> printed) {
    }

    private static Run run(long seed, NodeOptions.EvaluatorKind kind) {
        Simulator sim = DistributedLsTest.newSim(seed, FAULTY, NodeOptions.defaults().withEvaluator(kind),
            new PrintStream(OutputStream.nullOutputStream()));
        List<String> trace = new ArrayList<>();
        sim.trace(trace::add);
        sim.runRounds(4);
        sim.crash("ns1");
        sim.runRounds(6);
        sim.restart("ns1");
        sim.runUntilQuiescent(MAX_ROUNDS);
        return new Run(trace, SimSupport.dump(sim), DistributedLsTest.printed(sim, "ls_result"));
    }

    @Test
    void theIncrementalEvaluatorAndTheOracleRunTheDistributedLsIdentically() {
        for (long seed : SimSupport.seeds(1, 2, 3, 4)) {
            Run incremental = run(seed, NodeOptions.EvaluatorKind.INCREMENTAL);
            Run oracle = run(seed, NodeOptions.EvaluatorKind.NAIVE);
            assertEquals(EXPECTED, incremental.printed(), "SEED=" + seed);
            assertEquals(oracle.trace(), incremental.trace(), "SEED=" + seed);
            assertEquals(oracle.state(), incremental.state(), "SEED=" + seed);
        }
    }
}
