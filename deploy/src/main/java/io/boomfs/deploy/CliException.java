package io.boomfs.deploy;

/**
 * A mistake in what the user asked for (a bad file, an unknown relation, an impossible
 * combination of options): {@link Boom} prints {@code boom: error: <message>} and exits with
 * {@link #exitCode()}. The message is one plain sentence that says what to do where it can.
 */
public final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    public CliException(String message) {
        this(Boom.ERROR, message);
    }

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
