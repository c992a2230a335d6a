package io.boomfs.engine.sim;

import java.util.List;

/**
 * The simulation cannot go on as asked: a node failed (its {@code OverlogException} or a message
 * its program does not accept is the cause), an invariant was violated ({@code die} was derived,
 * see {@link #dieMessages()}), or a run did not become quiescent within its round limit. The
 * message names the node, the round, its nowMs and the seed, so that the run can be replayed.
 */
public final class SimulationException extends RuntimeException {
    private final List<String> dieMessages;

    SimulationException(String message) {
        super(message);
        this.dieMessages = List.of();
    }

    SimulationException(String message, Throwable cause) {
        super(message, cause);
        this.dieMessages = List.of();
    }

    SimulationException(String message, List<String> dieMessages) {
        super(message);
        this.dieMessages = List.copyOf(dieMessages);
    }

    /**
     * The {@code die} messages, each as {@code "<addr>: <message>"}, when a run stopped because a
     * node derived {@code die}; empty for every other reason.
     */
    public List<String> dieMessages() {
        return dieMessages;
    }
}
