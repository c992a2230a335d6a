package io.boomfs.engine.runtime;

import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * Cluster membership authentication of frames: a member signs every frame it sends with the
 * cluster key, and accepts from others only frames a member signed, except for the relations
 * its program declares open to non-members (the client protocol).
 *
 * <p><b>The trailer.</b> A signed frame has {@link #FLAG_SIGNED} in its flags byte and ends with
 * 24 bytes, counted in its length: an i64 counter, then the first {@link #TAG_BYTES} bytes of
 * HMAC-SHA256(cluster key, every byte of the frame before the tag), i.e. the header (flags and
 * length included), the sender's address, the relation table, the tuples and the counter. So
 * the MAC binds the sender id and the counter to the payload: none can be changed or moved to
 * another frame. A 16-byte (128-bit) tag leaves a forger one chance in 2^128 per try, far beyond
 * what a network could carry (NIST SP 800-107 allows truncation to 64 bits and more), and
 * saves 16 bytes of the 8 KiB frame.
 *
 * <p><b>Replays.</b> The counter is {@code max(previous + 1, wall clock in microseconds)} at
 * the sender: it grows with every frame, and a restarted sender starts again from its clock,
 * past every counter its previous run used (that run could only have gone ahead of its clock by
 * sending more than a frame per microsecond). A receiver accepts a sender's counter at most
 * once: it keeps, per sender, the last {@link #RECENT} counters accepted and a floor (the highest
 * counter evicted from them), and refuses a counter at or below the floor or among the recent
 * ones. Keeping several lets frames that the network reordered in (the simulator does; Aeron
 * keeps one publication's frames in order) still arrive. A counter further than
 * {@link #WINDOW_MICROS} from the receiver's clock is refused too: a receiver that restarted has
 * no memory of counters, and this bounds what it could be replayed to that minute's frames, at
 * most once each. It asks the members' clocks to agree within a minute (NTP does far better).
 *
 * <p>State only grows for senders whose MAC verified (members), so a flood of forged sender names
 * cannot grow it. Nothing is allocated per frame by this class beyond what {@code Mac.doFinal}
 * itself allocates; the Mac instances and buffers are reused. Signing and verifying use separate
 * instances: one thread may sign (the publisher) while another verifies (the adapter), but each
 * side is single-threaded.
 */
public final class FrameAuth {
    /** The flags bit that says a frame carries the trailer. */
    public static final byte FLAG_SIGNED = 0x01;
    /** Bytes of the truncated HMAC-SHA256 tag. */
    public static final int TAG_BYTES = 16;
    /** Bytes of the trailer: the counter and the tag. */
    public static final int TRAILER_BYTES = 8 + TAG_BYTES;
    /** How far a counter may be from the receiver's clock, either way: one minute. */
    public static final long WINDOW_MICROS = 60_000_000L;
    /** Counters remembered per sender, so that reordered frames are still accepted once. */
    public static final int RECENT = 64;
    /**
     * The relation by which a program declares the relations it accepts from senders without
     * the cluster key: {@code table open_message(Relation: string).} with one fact per relation.
     * Declared once, next to the messages themselves (paxos/messages.olg); a program that
     * declares none accepts nothing unsigned.
     */
    public static final String OPEN_RELATION = "open_message";

    /** What the replay check says of a counter. */
    public enum Admission {
        FRESH, REPLAYED, OUT_OF_WINDOW
    }

    private final Set<String> open;
    private final LongSupplier clockMs;
    private final String fingerprint;
    private final Mac signMac;
    private final Mac verifyMac;
    private final byte[] signTag = new byte[32];
    private final byte[] verifyTag = new byte[32];
    private byte[] scratch = new byte[8192];
    private long lastCounter;
    private final Map<String, Recent> senders = new HashMap<>();

    /** One sender's accepted counters: a ring of the last {@link #RECENT}, and the floor below them. */
    private static final class Recent {
        final long[] ring = new long[RECENT];
        int count;
        int next;
        long highest = Long.MIN_VALUE;
        long floor = Long.MIN_VALUE;

        boolean seen(long c) {
            if (c <= floor) {
                return true;
            }
            if (c > highest) {
                return false;
            }
            for (int i = 0; i < count; i++) {
                if (ring[i] == c) {
                    return true;
                }
            }
            return false;
        }

        void add(long c) {
            if (count == RECENT) {
                floor = Math.max(floor, ring[next]);
            } else {
                count++;
            }
            ring[next] = c;
            next = (next + 1) % RECENT;
            highest = Math.max(highest, c);
        }
    }

    private FrameAuth(ClusterKey key, Set<String> open, LongSupplier clockMs) {
        this.open = Set.copyOf(open);
        this.clockMs = clockMs;
        this.fingerprint = key.fingerprint();
        this.signMac = mac(key);
        this.verifyMac = mac(key);
    }

    /**
     * @param open    relations accepted without a MAC (see {@link #openRelations})
     * @param clockMs the wall clock in milliseconds (a simulated one in the simulator)
     */
    public static FrameAuth of(ClusterKey key, Set<String> open, LongSupplier clockMs) {
        return new FrameAuth(key, open, clockMs);
    }

    /** A member of a program's cluster: the open relations are the program's {@link #OPEN_RELATION} facts. */
    public static FrameAuth forProgram(ClusterKey key, Program program, LongSupplier clockMs) {
        return new FrameAuth(key, openRelations(program), clockMs);
    }

    private static Mac mac(ClusterKey key) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key.bytes(), "HmacSHA256"));
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no HmacSHA256", e);
        }
    }

    /** The relations {@code program} declares open to non-members, in name order. */
    public static Set<String> openRelations(Program program) {
        Set<String> names = new TreeSet<>();
        for (Tuple t : program.facts()) {
            if (t.relation().equals(OPEN_RELATION)) {
                names.add((String) t.get(0));
            }
        }
        return names;
    }

    /** Whether a frame without a MAC may carry this relation. */
    public boolean isOpen(String relation) {
        return open.contains(relation);
    }

    public Set<String> open() {
        return open;
    }

    /** The key's fingerprint ({@link ClusterKey#fingerprint()}), for logs. */
    public String keyFingerprint() {
        return fingerprint;
    }

    public long nowMs() {
        return clockMs.getAsLong();
    }

    /**
     * Signs a finished frame of {@code length} bytes at offset 0 of {@code frame}: sets the flag,
     * appends the counter and the tag, and rewrites the frame length.
     *
     * @return the signed frame's length
     */
    public int sign(MutableDirectBuffer frame, int length) {
        long counter = Math.max(lastCounter + 1, clockMs.getAsLong() * 1000);
        lastCounter = counter;
        frame.putByte(3, (byte) (frame.getByte(3) | FLAG_SIGNED));
        int signed = length + TRAILER_BYTES;
        frame.putInt(4, signed, ValueCodec.ORDER);
        frame.putLong(length, counter, ValueCodec.ORDER);
        int covered = length + 8;
        byte[] array = frame.byteArray();
        if (array != null && frame.wrapAdjustment() == 0) {
            signMac.update(array, 0, covered);
        } else {
            // Not the encoder's array-backed buffer (never in this code base): a copy of its own,
            // since the verifying side's scratch may be in use on another thread.
            byte[] b = new byte[covered];
            frame.getBytes(0, b);
            signMac.update(b, 0, covered);
        }
        doFinal(signMac, signTag);
        frame.putBytes(covered, signTag, 0, TAG_BYTES);
        return signed;
    }

    /** Whether a signed frame's tag is the MAC of its bytes under this key; compares in constant time. */
    public boolean tagMatches(DirectBuffer buffer, int offset, int length) {
        int covered = length - TAG_BYTES;
        verifyMac.update(copy(buffer, offset, covered), 0, covered);
        doFinal(verifyMac, verifyTag);
        int diff = 0;
        for (int i = 0; i < TAG_BYTES; i++) {
            diff |= verifyTag[i] ^ buffer.getByte(offset + covered + i);
        }
        return diff == 0;
    }

    /** The counter of a signed frame. */
    public static long counter(DirectBuffer buffer, int offset, int length) {
        return buffer.getLong(offset + length - TRAILER_BYTES, ValueCodec.ORDER);
    }

    /**
     * The replay check of a frame whose MAC verified: a fresh counter is remembered (and never
     * accepted again from this sender).
     */
    public Admission admit(String sender, long counter) {
        long now = clockMs.getAsLong() * 1000;
        if (counter < now - WINDOW_MICROS || counter > now + WINDOW_MICROS) {
            return Admission.OUT_OF_WINDOW;
        }
        Recent r = senders.computeIfAbsent(sender, s -> new Recent());
        if (r.seen(counter)) {
            return Admission.REPLAYED;
        }
        r.add(counter);
        return Admission.FRESH;
    }

    private byte[] copy(DirectBuffer b, int offset, int length) {
        if (scratch.length < length) {
            scratch = new byte[Math.max(length, scratch.length * 2)];
        }
        b.getBytes(offset, scratch, 0, length);
        return scratch;
    }

    private static void doFinal(Mac mac, byte[] into) {
        try {
            mac.doFinal(into, 0);
        } catch (javax.crypto.ShortBufferException e) {
            throw new IllegalStateException("a 32-byte buffer holds an HMAC-SHA256", e);
        }
    }
}
