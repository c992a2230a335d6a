package io.boomfs.paxos.kv;

/**
 * When a client sends an unanswered operation again (RFC 6298's retransmission timer, in
 * nanoseconds): a smoothed answer time and its variation, from operations answered at their first
 * send (Karn: an answer to a resent operation could be to either copy), give the timeout
 * {@code srtt + 4 * rttvar}, never below the configured retry interval nor above {@code ceilNs}.
 * A fixed interval shorter than a loaded group's answer time made every operation go out again
 * and again, to every replica, and each copy cost the replicas work: the slower the group, the
 * more it was sent (256 sessions at 500 ms per answer sent each operation about 25 times).
 * Not thread-safe: the client's thread owns it.
 */
final class RetryClock {
    private final long floorNs;
    private final long ceilNs;
    private long srttNs = -1;
    private long rttvarNs;

    RetryClock(long floorNs, long ceilNs) {
        if (floorNs <= 0 || ceilNs < floorNs) {
            throw new IllegalArgumentException("need 0 < floor <= ceiling, not " + floorNs + " and " + ceilNs);
        }
        this.floorNs = floorNs;
        this.ceilNs = ceilNs;
    }

    /** An operation answered {@code rttNs} after its only send. */
    void sample(long rttNs) {
        if (rttNs < 0) {
            return;
        }
        if (srttNs < 0) {
            srttNs = rttNs;
            rttvarNs = rttNs / 2;
        } else {
            rttvarNs += (Math.abs(srttNs - rttNs) - rttvarNs) / 4;
            srttNs += (rttNs - srttNs) / 8;
        }
    }

    /** How long an operation waits for its answer before it is sent again. */
    long timeoutNs() {
        if (srttNs < 0) {
            return floorNs;
        }
        return Math.max(floorNs, Math.min(ceilNs, srttNs + 4 * rttvarNs));
    }

    /** The timeout after {@code resends} unanswered sends to a group that answers others: doubled each time, up to the ceiling. */
    long backedOffNs(int resends) {
        long t = timeoutNs();
        for (int i = 0; i < resends && t < ceilNs; i++) {
            t *= 2;
        }
        return Math.min(t, ceilNs);
    }
}
