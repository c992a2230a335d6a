package io.boomfs.engine.program;

/** A rule failed at run time (division by zero, a limit breached, a key violation...). */
public final class EvalException extends RuntimeException {
    public EvalException(String message) {
        super(message);
    }
}
