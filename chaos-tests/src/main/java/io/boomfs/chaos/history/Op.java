package io.boomfs.chaos.history;

import java.util.Objects;

/**
 * One line of a history (Jepsen's model): a client process invokes an operation, then the same
 * process completes it with {@code ok} (it took effect, {@code value} is its result), {@code fail}
 * (it certainly did not take effect) or {@code info} (unknown: a timeout or a crash; it may take
 * effect at any later time, or never). A process runs one operation at a time.
 *
 * @param process the client process; a process that ends an op with {@code info} never runs another
 * @param type    invoke, ok, fail or info
 * @param f       the function: {@code read}, {@code write}, {@code cas}, {@code create}, {@code list}...
 * @param key     what the op is about: a register's key, or a directory for namespace ops
 * @param value   the argument on invoke, the result on ok (JSON: null, a number, a string or a list)
 * @param timeNs  nanoseconds since the run started (one monotonic clock for the whole run)
 */
public record Op(long process, Type type, String f, String key, Object value, long timeNs) {
    /** What a history line says happened. */
    public enum Type {
        INVOKE, OK, FAIL, INFO;

        /** The lower-case name used in history.jsonl. */
        public String json() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The type named {@code s} in history.jsonl, or an error saying which names exist. */
        public static Type ofJson(String s) {
            for (Type t : values()) {
                if (t.json().equals(s)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("type must be invoke, ok, fail or info, not " + s);
        }
    }

    public Op {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(f, "f");
        Objects.requireNonNull(key, "key");
    }

    public static Op invoke(long process, String f, String key, Object value, long timeNs) {
        return new Op(process, Type.INVOKE, f, key, value, timeNs);
    }

    public static Op ok(long process, String f, String key, Object value, long timeNs) {
        return new Op(process, Type.OK, f, key, value, timeNs);
    }

    public static Op fail(long process, String f, String key, Object value, long timeNs) {
        return new Op(process, Type.FAIL, f, key, value, timeNs);
    }

    public static Op info(long process, String f, String key, Object value, long timeNs) {
        return new Op(process, Type.INFO, f, key, value, timeNs);
    }
}
