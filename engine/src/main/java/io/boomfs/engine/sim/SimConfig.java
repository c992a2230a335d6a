package io.boomfs.engine.sim;

/**
 * The clock and the faults of a simulated network. Every fault is decided per message by the
 * {@link Simulator}'s one seeded random source, so a seed and a config replay a run exactly.
 *
 * @param tickMs        time between two rounds: round 1 runs at nowMs 0, round k at
 *                      {@code (k - 1) * tickMs}. Must be positive.
 * @param dropRate      probability that a sent message is lost, in [0, 1].
 * @param duplicateRate probability that a message that was not lost is delivered twice (the copy
 *                      has its own delay and reordering), in [0, 1].
 * @param reorderRate   probability that one delivery of a message is reordered: held back 1 to
 *                      {@link #REORDER_MAX_EXTRA_ROUNDS} extra rounds, so that messages sent after
 *                      it overtake it, and placed at a random position among the messages its
 *                      destination receives in its round; in [0, 1].
 * @param minDelayMs    smallest network delay of one delivery, at least 0.
 * @param maxDelayMs    largest network delay of one delivery, at least {@code minDelayMs}. A delay
 *                      is drawn uniformly in [min, max] and rounded up to whole rounds; a message
 *                      is never delivered in the round that sent it (at least one round).
 */
public record SimConfig(long tickMs, double dropRate, double duplicateRate, double reorderRate,
                        long minDelayMs, long maxDelayMs) {

    /** How many extra rounds a reordered delivery is held back at most. */
    public static final int REORDER_MAX_EXTRA_ROUNDS = 3;

    /** The longest delay accepted: a day. A longer one is a lost message, which dropRate models. */
    public static final long MAX_DELAY_MS = 86_400_000L;

    public SimConfig {
        if (tickMs <= 0) {
            throw new IllegalArgumentException("tickMs must be positive, but it is " + tickMs);
        }
        checkRate("dropRate", dropRate);
        checkRate("duplicateRate", duplicateRate);
        checkRate("reorderRate", reorderRate);
        if (minDelayMs < 0) {
            throw new IllegalArgumentException("minDelayMs must be at least 0, but it is " + minDelayMs);
        }
        if (maxDelayMs > MAX_DELAY_MS) {
            throw new IllegalArgumentException("maxDelayMs must be at most " + MAX_DELAY_MS + " (a day), but it is "
                + maxDelayMs + "; model a message that never arrives with dropRate");
        }
        if (maxDelayMs < minDelayMs) {
            throw new IllegalArgumentException("maxDelayMs (" + maxDelayMs + ") must be at least minDelayMs ("
                + minDelayMs + ")");
        }
    }

    private static void checkRate(String name, double rate) {
        // The negated form also rejects NaN, which every comparison would let through.
        if (!(rate >= 0.0 && rate <= 1.0)) {
            throw new IllegalArgumentException(name + " must be a probability in [0, 1], but it is " + rate);
        }
    }

    /** A perfect network: every message arrives at the next round, in send order, exactly once. */
    public static SimConfig noFaults(long tickMs) {
        return new SimConfig(tickMs, 0.0, 0.0, 0.0, 0, 0);
    }

    /** This config with other fault rates (same clock and delays). */
    public SimConfig withFaults(double drop, double duplicate, double reorder) {
        return new SimConfig(tickMs, drop, duplicate, reorder, minDelayMs, maxDelayMs);
    }

    /** This config with another delay range. */
    public SimConfig withDelayMs(long min, long max) {
        return new SimConfig(tickMs, dropRate, duplicateRate, reorderRate, min, max);
    }

    /** Whether this network can lose, copy, reorder or delay a message beyond the next round. */
    public boolean hasFaults() {
        return dropRate > 0 || duplicateRate > 0 || reorderRate > 0 || delayRounds(maxDelayMs) > 1;
    }

    /** Rounds a delivery of {@code delayMs} takes: the delay rounded up, and at least one. */
    public long delayRounds(long delayMs) {
        return Math.max(1, delayMs / tickMs + (delayMs % tickMs == 0 ? 0 : 1));
    }

    /** Every setting, as the simulator logs it before the first round. */
    public String describe() {
        return "tick_ms=" + tickMs + " drop_rate=" + dropRate + " duplicate_rate=" + duplicateRate
            + " reorder_rate=" + reorderRate + " min_delay_ms=" + minDelayMs + " max_delay_ms=" + maxDelayMs
            + " reorder_max_extra_rounds=" + REORDER_MAX_EXTRA_ROUNDS;
    }
}
