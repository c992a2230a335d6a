package io.boomfs.engine.oracle;

import io.boomfs.engine.oracle.RandomProgramGenerator.Case;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The property test's tools: a seed must replay exactly, and shrinking must keep the failure. */
class GeneratorAndShrinkerTest {

    @Test
    void aSeedAlwaysGivesTheSameCase() {
        for (long seed = 1; seed <= 50; seed++) {
            assertEquals(RandomProgramGenerator.generate(seed).toString(), RandomProgramGenerator.generate(seed).toString());
        }
        assertNotEquals(RandomProgramGenerator.generate(1).toString(), RandomProgramGenerator.generate(2).toString());
    }

    @Test
    void shrinkingKeepsOnlyWhatTheFailureNeeds() {
        Case c = null;
        for (long seed = 1; c == null; seed++) {
            Case x = RandomProgramGenerator.generate(seed);
            if (x.rules().stream().anyMatch(r -> r.startsWith("delete ")) && x.rules().size() > 3) {
                c = x;
            }
        }
        // A stand-in for a disagreement: the program compiles and has a delete rule and a step.
        Case shrunk = Shrinker.shrink(c, x -> OraclePropertyTest.compile(x) != null
            && x.rules().stream().anyMatch(r -> r.startsWith("delete ")), 1000);
        assertNotNull(OraclePropertyTest.compile(shrunk));
        assertEquals(1, shrunk.rules().size(), shrunk.toString());
        assertTrue(shrunk.rules().get(0).startsWith("delete "));
        assertEquals(1, shrunk.steps().size());
        assertTrue(shrunk.facts().isEmpty());
        assertTrue(shrunk.steps().get(0).inbound().isEmpty() && shrunk.steps().get(0).loads().isEmpty());
    }
}
