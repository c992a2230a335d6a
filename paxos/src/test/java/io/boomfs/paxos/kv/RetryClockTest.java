package io.boomfs.paxos.kv;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryClockTest {
    private static final long MS = 1_000_000;

    @Test
    void withoutAnswersTheTimeoutIsTheRetryInterval() {
        RetryClock c = new RetryClock(100 * MS, 2_000 * MS);
        assertEquals(100 * MS, c.timeoutNs());
    }

    @Test
    void fastAnswersKeepTheFloorAndSlowOnesRaiseTheTimeoutToTheCeilingAtMost() {
        RetryClock c = new RetryClock(100 * MS, 2_000 * MS);
        for (int i = 0; i < 50; i++) {
            c.sample(2 * MS);
        }
        assertEquals(100 * MS, c.timeoutNs(), "2 ms answers: the floor");
        for (int i = 0; i < 50; i++) {
            c.sample(500 * MS);
        }
        long t = c.timeoutNs();
        assertTrue(t >= 500 * MS && t <= 2_000 * MS, "500 ms answers: above them, " + t / MS + " ms");
        for (int i = 0; i < 50; i++) {
            c.sample(5_000 * MS);
        }
        assertEquals(2_000 * MS, c.timeoutNs(), "the ceiling");
        // Back to fast answers: the timeout comes down again.
        for (int i = 0; i < 200; i++) {
            c.sample(2 * MS);
        }
        assertEquals(100 * MS, c.timeoutNs());
    }

    @Test
    void varyingAnswersWaitLongerThanSteadyOnesOfTheSameMean() {
        RetryClock steady = new RetryClock(1, 10_000 * MS);
        RetryClock varying = new RetryClock(1, 10_000 * MS);
        for (int i = 0; i < 100; i++) {
            steady.sample(200 * MS);
            varying.sample(i % 2 == 0 ? 50 * MS : 350 * MS);
        }
        assertTrue(varying.timeoutNs() > steady.timeoutNs() + 200 * MS,
            "varying " + varying.timeoutNs() / MS + " ms, steady " + steady.timeoutNs() / MS + " ms");
    }

    @Test
    void backingOffDoublesUpToTheCeiling() {
        RetryClock c = new RetryClock(100 * MS, 2_000 * MS);
        assertEquals(100 * MS, c.backedOffNs(0));
        assertEquals(200 * MS, c.backedOffNs(1));
        assertEquals(800 * MS, c.backedOffNs(3));
        assertEquals(2_000 * MS, c.backedOffNs(10));
        assertEquals(2_000 * MS, c.backedOffNs(1_000));
    }

    @Test
    void aFloorAboveTheCeilingIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RetryClock(3_000 * MS, 2_000 * MS));
        assertThrows(IllegalArgumentException.class, () -> new RetryClock(0, 2_000 * MS));
    }
}
