package io.boomfs.chaos.check;

/**
 * What one checker concluded about a run.
 *
 * @param checker its name
 * @param valid   true: it holds; false: violated; null: the checker could not decide (a bound hit)
 * @param summary one line for the console
 * @param details the evidence when not valid (the offending window), else what was checked
 */
public record Verdict(String checker, Boolean valid, String summary, String details) {
    public static Verdict valid(String checker, String summary) {
        return new Verdict(checker, true, summary, "");
    }

    public static Verdict invalid(String checker, String summary, String details) {
        return new Verdict(checker, false, summary, details);
    }

    /** {@code VALID linearizability: 3 keys, 1,234 calls}. */
    public String line() {
        return (valid == null ? "UNKNOWN" : valid ? "VALID" : "INVALID") + " " + checker + ": " + summary;
    }
}
