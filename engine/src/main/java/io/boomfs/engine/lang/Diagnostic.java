package io.boomfs.engine.lang;

/**
 * A message for a person about a program: where ({@code file:line:col}), how bad, what is
 * wrong in plain words and, where possible, what to do about it.
 */
public record Diagnostic(Pos pos, Severity severity, String message, String hint) {
    public enum Severity {
        ERROR, WARNING;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static Diagnostic error(Pos pos, String message) {
        return new Diagnostic(pos, Severity.ERROR, message, null);
    }

    public static Diagnostic error(Pos pos, String message, String hint) {
        return new Diagnostic(pos, Severity.ERROR, message, hint);
    }

    public static Diagnostic warning(Pos pos, String message) {
        return new Diagnostic(pos, Severity.WARNING, message, null);
    }

    public static Diagnostic warning(Pos pos, String message, String hint) {
        return new Diagnostic(pos, Severity.WARNING, message, hint);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** {@code file:line:col: error: message} and, on a second line, {@code   hint: ...}. */
    @Override
    public String toString() {
        String s = pos + ": " + severity + ": " + message;
        return hint == null ? s : s + "\n  hint: " + hint;
    }
}
