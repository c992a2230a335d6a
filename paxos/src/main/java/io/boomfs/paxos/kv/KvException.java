package io.boomfs.paxos.kv;

import java.util.List;

/**
 * An operation of {@link KvClient} that did not succeed. The message is one sentence naming the
 * operation and what happened.
 */
public class KvException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KvException(String message) {
        super(message);
    }

    /**
     * No answer before the operation's deadline. Its outcome is unknown: a write may have been
     * applied (once) or may still be applied later; the session has moved on to its next number,
     * so a late copy is never applied after a later write of the same session.
     */
    public static final class Timeout extends KvException {
        private static final long serialVersionUID = 1L;
        private final transient List<String> tried;

        public Timeout(String message, List<String> tried) {
            super(message);
            this.tried = List.copyOf(tried);
        }

        /** The replicas the operation was sent to, in the order first tried. */
        public List<String> tried() {
            return tried;
        }
    }
}
