package io.boomfs.deploy.admin;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code boom admin rebalance}'s plan: moves from the heaviest group to the lightest while the gap narrows. */
class RebalancePlanTest {
    private static VpartCommands.Map0 map(int groups, long[][] vparts) {
        Map<Long, Integer> owner = new TreeMap<>();
        Map<Long, long[]> load = new TreeMap<>();
        for (long[] v : vparts) {
            owner.put(v[0], (int) v[1]);
            load.put(v[0], new long[] {v[2], v[3], 0});
        }
        return new VpartCommands.Map0(0, vparts.length, groups, owner, load);
    }

    @Test
    void movesTheVpartClosestToHalfTheGapUntilNoMoveNarrowsIt() {
        // group 0: 10 + 4 + 1 = 15, group 1: 1.
        VpartCommands.Map0 m = map(2, new long[][] {{0, 0, 1, 9}, {2, 0, 1, 3}, {4, 0, 1, 0}, {1, 1, 1, 0}});
        List<long[]> plan = VpartCommands.plan(m, 64);
        // Vpart 0 (10) first: 5 against 11; then vpart 1 (1) back: 6 against 10; nothing narrows it more.
        assertEquals(2, plan.size());
        assertArrayEquals(new long[] {0, 0, 1}, plan.get(0));
        assertArrayEquals(new long[] {1, 1, 0}, plan.get(1));
        long gap = 14;
        Map<Long, Integer> owner = new TreeMap<>(m.owner());
        for (long[] move : plan) {
            owner.put(move[0], (int) move[2]);
            long[] w = new long[2];
            owner.forEach((v, g) -> w[g] += m.weight(v));
            assertTrue(Math.abs(w[0] - w[1]) < gap, "each move narrows the gap");
            gap = Math.abs(w[0] - w[1]);
        }
        assertEquals(4, gap);
    }

    @Test
    void aBalancedMapAndEmptyVpartsNeedNoMove() {
        assertTrue(VpartCommands.plan(map(2, new long[][] {{0, 0, 1, 4}, {1, 1, 2, 3}}), 64).isEmpty());
        assertTrue(VpartCommands.plan(map(2, new long[][] {{0, 0, 0, 0}, {1, 1, 0, 0}, {2, 0, 0, 0}}), 64).isEmpty());
    }

    @Test
    void stopsAtTheMaximumNumberOfMoves() {
        long[][] many = new long[20][];
        for (int i = 0; i < 20; i++) {
            many[i] = new long[] {i, 0, 1, 0};
        }
        assertEquals(3, VpartCommands.plan(map(2, many), 3).size());
        assertEquals(10, VpartCommands.plan(map(2, many), 64).size(), "10 each side");
    }
}
