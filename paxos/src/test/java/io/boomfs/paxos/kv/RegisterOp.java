package io.boomfs.paxos.kv;

import java.util.Objects;

/**
 * One operation of a client-side history of one key of the store, seen as a register: what was
 * asked, when (the client's clock, {@link System#nanoTime()}), and what came back.
 *
 * @param id         unique within the history
 * @param session    the client session that ran it (for reports)
 * @param kind       put, get, cas or delete
 * @param a          put: the value; cas: the expected value (null: absent)
 * @param b          cas: the new value
 * @param invokeNs   when it was submitted
 * @param completeNs when its answer arrived; {@link Long#MAX_VALUE} when it never did
 * @param known      whether the answer arrived: an operation that failed or timed out may or may
 *                   not have taken effect (indeterminate)
 * @param result     the answer when known: "ok" for put, the value for get, a Boolean for cas
 *                   and delete
 */
record RegisterOp(int id, String session, Kind kind, Object a, Object b, long invokeNs, long completeNs, boolean known,
                  Object result) {
    enum Kind { PUT, GET, CAS, DELETE }

    /** What a model step gives for an operation that cannot happen in a state. */
    static final Object IMPOSSIBLE = new Object() {
        @Override
        public String toString() {
            return "IMPOSSIBLE";
        }
    };

    static RegisterOp done(int id, String session, Kind kind, Object a, Object b, long invokeNs, long completeNs, Object result) {
        return new RegisterOp(id, session, kind, a, b, invokeNs, completeNs, true, result);
    }

    static RegisterOp indeterminate(int id, String session, Kind kind, Object a, Object b, long invokeNs) {
        return new RegisterOp(id, session, kind, a, b, invokeNs, Long.MAX_VALUE, false, null);
    }

    /**
     * The register's sequential specification (kv.olg's meaning for one key): the state after
     * this operation runs in {@code state} (null: the key is absent), or {@link #IMPOSSIBLE} when
     * its known answer is not what it would answer there. An indeterminate operation accepts any
     * answer; its effect still follows from the state.
     */
    Object step(Object state) {
        return switch (kind) {
            case PUT -> !known || "ok".equals(result) ? a : IMPOSSIBLE;
            case GET -> !known || Objects.equals(result, state) ? state : IMPOSSIBLE;
            case CAS -> {
                boolean match = Objects.equals(state, a);
                if (known && !Boolean.valueOf(match).equals(result)) {
                    yield IMPOSSIBLE;
                }
                yield match ? b : state;
            }
            case DELETE -> known && !Boolean.valueOf(state != null).equals(result) ? IMPOSSIBLE : null;
        };
    }

    @Override
    public String toString() {
        String args = switch (kind) {
            case PUT -> "put(" + a + ")";
            case GET -> "get()";
            case CAS -> "cas(" + a + " -> " + b + ")";
            case DELETE -> "delete()";
        };
        return "#" + id + " " + session + " " + args + (known ? " = " + result : " = ?") + " [" + invokeNs + ", "
            + (completeNs == Long.MAX_VALUE ? "inf" : Long.toString(completeNs)) + "]";
    }
}
