package io.boomfs.engine.sim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimConfigTest {
    @Test
    void noFaultsIsAPerfectNetworkThatDeliversAtTheNextRound() {
        SimConfig c = SimConfig.noFaults(100);
        assertEquals(new SimConfig(100, 0.0, 0.0, 0.0, 0, 0), c);
        assertFalse(c.hasFaults());
        assertEquals(1, c.delayRounds(c.maxDelayMs()));
    }

    @Test
    void delaysAreRoundedUpToWholeRoundsAndNeverZero() {
        SimConfig c = SimConfig.noFaults(100);
        assertEquals(1, c.delayRounds(0), "a message is never delivered in the round that sent it");
        assertEquals(1, c.delayRounds(1));
        assertEquals(1, c.delayRounds(100));
        assertEquals(2, c.delayRounds(101));
        assertEquals(3, c.delayRounds(250));
        assertEquals(864_000, c.delayRounds(SimConfig.MAX_DELAY_MS));
    }

    @Test
    void anyFaultOrALongDelayCountsAsFaulty() {
        SimConfig c = SimConfig.noFaults(100);
        assertTrue(c.withFaults(0.1, 0, 0).hasFaults());
        assertTrue(c.withFaults(0, 0.1, 0).hasFaults());
        assertTrue(c.withFaults(0, 0, 0.1).hasFaults());
        assertFalse(c.withDelayMs(0, 100).hasFaults(), "a delay within one tick is still the next round");
        assertTrue(c.withDelayMs(0, 101).hasFaults());
    }

    @Test
    void badSettingsAreRejectedByName() {
        assertMessage("tickMs must be positive, but it is 0", () -> SimConfig.noFaults(0));
        assertMessage("dropRate must be a probability in [0, 1], but it is 1.5",
            () -> new SimConfig(10, 1.5, 0, 0, 0, 0));
        assertMessage("duplicateRate must be a probability in [0, 1], but it is -0.1",
            () -> new SimConfig(10, 0, -0.1, 0, 0, 0));
        assertMessage("reorderRate must be a probability in [0, 1], but it is NaN",
            () -> new SimConfig(10, 0, 0, Double.NaN, 0, 0));
        assertMessage("minDelayMs must be at least 0, but it is -1", () -> new SimConfig(10, 0, 0, 0, -1, 0));
        assertMessage("maxDelayMs (5) must be at least minDelayMs (6)", () -> new SimConfig(10, 0, 0, 0, 6, 5));
        assertThrows(IllegalArgumentException.class,
            () -> new SimConfig(10, 0, 0, 0, 0, SimConfig.MAX_DELAY_MS + 1));
    }

    @Test
    void describeNamesEverySetting() {
        assertEquals("tick_ms=50 drop_rate=0.25 duplicate_rate=0.125 reorder_rate=0.5 min_delay_ms=10 max_delay_ms=90"
                + " reorder_max_extra_rounds=3",
            new SimConfig(50, 0.25, 0.125, 0.5, 10, 90).describe());
    }

    private static void assertMessage(String expected, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertEquals(expected, e.getMessage());
    }
}
