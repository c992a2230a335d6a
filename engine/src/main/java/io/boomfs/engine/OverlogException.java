package io.boomfs.engine;

/**
 * A program failed at run time: a key violation, a limit breached, a rule whose expression
 * failed. The message names the rule (file:line:col) and says what went wrong. A step that
 * threw may have been partly applied: the node refuses further steps and must be rebuilt from
 * its durable state, as after a crash.
 */
public final class OverlogException extends RuntimeException {
    public OverlogException(String message) {
        super(message);
    }
}
