package io.boomfs.engine.runtime;

import io.boomfs.engine.Tuple;
import io.boomfs.engine.Values;
import io.boomfs.engine.program.Relation;
import org.agrona.DirectBuffer;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;

/**
 * Decodes frames (see {@link FrameFormat}) into tuples the receiving program accepts. A frame is
 * all or nothing: it is checked completely (layout, lengths, relations, fingerprints, arities,
 * types) before any of its tuples is handed on, so that a bad frame can never make
 * {@code OverlogNode.step} throw. Each refusal is counted by reason; the first refusal of each
 * kind from each sender is logged as one line, later ones only counted (a flood of bad frames
 * must not flood the log). Not thread-safe: one per receiving thread; the counters may be read
 * from any thread.
 */
public final class FrameDecoder {
    public enum Refusal {
        MALFORMED, OVERSIZED, VERSION, UNKNOWN_RELATION, FINGERPRINT_MISMATCH, WRONG_TYPE
    }

    /** The sender of the last frame accepted, and how many tuples it carried. */
    public record Accepted(String sender, int tuples) {
    }

    /** A refusal's log line quotes at most this much of the sender's address and of the reason. */
    private static final int MAX_LOGGED_SENDER = 100;
    private static final int MAX_LOGGED_MESSAGE = 300;
    /** A relation table entry with an empty name: u16 name length, u16 arity, i64 fingerprint. */
    private static final int RELATION_ENTRY_MIN_BYTES = 12;
    private final Schemas schemas;
    private final int maxFrameBytes;
    private final Consumer<String> log;
    private final AtomicLongArray refused = new AtomicLongArray(Refusal.values().length);
    private final Set<String> logged = new HashSet<>();
    private final ValueCodec.Reader reader = new ValueCodec.Reader();
    private final List<Tuple> pending = new ArrayList<>();
    private Relation[] rels = new Relation[8];
    private long[] relFps = new long[8];
    private long[] ourFps = new long[8];
    private String lastSender;

    public FrameDecoder(Schemas schemas, int maxFrameBytes, Consumer<String> log) {
        this.schemas = schemas;
        this.maxFrameBytes = maxFrameBytes;
        this.log = log;
    }

    public long refused(Refusal r) {
        return refused.get(r.ordinal());
    }

    public long refusedTotal() {
        long n = 0;
        for (int i = 0; i < refused.length(); i++) {
            n += refused.get(i);
        }
        return n;
    }

    /** The sender named by the last frame decoded (accepted or refused after its header), or null. */
    public String lastSender() {
        return lastSender;
    }

    /**
     * Decodes one frame; its tuples go to {@code out} only when the whole frame is valid.
     *
     * @return the number of tuples delivered, or -1 when the frame was refused (and counted)
     */
    public int decode(DirectBuffer buffer, int offset, int length, Consumer<Tuple> out) {
        lastSender = null;
        pending.clear();
        if (length > maxFrameBytes) {
            return refuse(Refusal.OVERSIZED, "?", "a frame of " + length + " bytes, more than the limit of " + maxFrameBytes);
        }
        ValueCodec.Reader r = reader.wrap(buffer, offset, offset + length);
        String sender = "?";
        try {
            if (length < FrameFormat.HEADER_BYTES) {
                throw new ValueCodec.MalformedException("a frame of " + length + " bytes is shorter than its header");
            }
            short magic = (short) r.readUnsignedShort("magic");
            if (magic != FrameFormat.MAGIC) {
                throw new ValueCodec.MalformedException(String.format("bad magic 0x%04x", magic & 0xffff));
            }
            byte version = r.readByte("version");
            r.readByte("flags");
            if (version != FrameFormat.VERSION) {
                return refuse(Refusal.VERSION, sender, "frame version " + version + ", this node speaks " + FrameFormat.VERSION);
            }
            int declared = r.readInt("frame length");
            if (declared != length) {
                throw new ValueCodec.MalformedException("frame says " + declared + " bytes, " + length + " arrived");
            }
            long frameFp = r.readLong("frame fingerprint");
            sender = r.readUtf8(r.readUnsignedShort("sender length"), "sender address");
            lastSender = sender;
            int relCount = r.readUnsignedShort("relation count");
            if (relCount == 0) {
                throw new ValueCodec.MalformedException("no relations");
            }
            // Each entry takes at least its name length, arity and fingerprint: a count beyond what
            // is left is a lie, and the tables below are sized by it.
            if (relCount > r.remaining() / RELATION_ENTRY_MIN_BYTES) {
                throw new ValueCodec.MalformedException("relation count " + relCount + " with " + r.remaining() + " bytes left");
            }
            ensure(relCount);
            String badShape = null;
            for (int i = 0; i < relCount; i++) {
                String name = r.readUtf8(r.readUnsignedShort("relation name length"), "relation name");
                int arity = r.readUnsignedShort("arity");
                long fp = r.readLong("relation fingerprint");
                Relation rel = schemas.program().relation(name);
                String why = rel == null ? "unknown relation " + name : schemas.whyNotReceivable(rel);
                if (why != null) {
                    return refuse(Refusal.UNKNOWN_RELATION, sender, why + " (program " + schemas.program().name() + ")");
                }
                rels[i] = rel;
                relFps[i] = fp;
                ourFps[i] = Schemas.fingerprint(rel);
                if (fp != ourFps[i] && badShape == null) {
                    badShape = name + " is " + Values.format(shape(rel)) + " here, declared differently there (arity " + arity + ")";
                }
            }
            long ourFrameFp = Schemas.combine(ourFps, relCount);
            if (badShape != null || ourFrameFp != frameFp) {
                if (badShape == null && Schemas.combine(relFps, relCount) != frameFp) {
                    throw new ValueCodec.MalformedException("frame fingerprint does not match its relation table");
                }
                return refuse(Refusal.FINGERPRINT_MISMATCH, sender, String.format(
                    "schema fingerprint mismatch: frame %016x, this program (%s) %016x: %s",
                    frameFp, schemas.program().name(), ourFrameFp, badShape));
            }
            int count = r.readInt("tuple count");
            // Each tuple takes at least its two-byte relation index.
            if (count <= 0 || count > r.remaining() / 2) {
                throw new ValueCodec.MalformedException("tuple count " + count + " with " + r.remaining() + " bytes left");
            }
            for (int n = 0; n < count; n++) {
                int idx = r.readUnsignedShort("relation index");
                if (idx >= relCount) {
                    throw new ValueCodec.MalformedException("relation index " + idx + " of " + relCount);
                }
                Relation rel = rels[idx];
                Object[] values = new Object[rel.arity()];
                for (int c = 0; c < values.length; c++) {
                    Object v = r.readValue();
                    if (!rel.types[c].admits(v)) {
                        return refuse(Refusal.WRONG_TYPE, sender, "column " + rel.columns[c] + " of " + rel.name + " is a "
                            + rel.types[c] + ", the frame has " + Values.format(v));
                    }
                    values[c] = v;
                }
                pending.add(Tuple.wrap(rel.name, values));
            }
            if (r.remaining() != 0) {
                throw new ValueCodec.MalformedException(r.remaining() + " bytes after the last tuple");
            }
        } catch (ValueCodec.MalformedException e) {
            return refuse(Refusal.MALFORMED, sender, e.getMessage());
        }
        for (Tuple t : pending) {
            out.accept(t);
        }
        int n = pending.size();
        pending.clear();
        return n;
    }

    private static List<String> shape(Relation r) {
        List<String> s = new ArrayList<>();
        for (int i = 0; i < r.arity(); i++) {
            s.add(r.types[i].text());
        }
        return s;
    }

    private void ensure(int n) {
        if (rels.length < n) {
            rels = new Relation[n];
            relFps = new long[n];
            ourFps = new long[n];
        }
    }

    private int refuse(Refusal why, String sender, String message) {
        refused.incrementAndGet(why.ordinal());
        pending.clear();
        // The sender and the message quote the frame's bytes, which anyone can send: cut and
        // made printable, so that a refusal is one line of bounded length and the set below
        // holds at most 10,000 short keys.
        String who = printable(sender, MAX_LOGGED_SENDER);
        // Bounded: at most one entry per (reason, sender) that ever sent a bad frame, capped.
        if (logged.size() < 10_000 && logged.add(why + " " + who)) {
            log.accept("refused a frame from " + who + " (" + why.name().toLowerCase() + "): " + printable(message, MAX_LOGGED_MESSAGE)
                + " (further ones from this sender are only counted)");
        }
        return -1;
    }

    /** {@code s} cut to {@code max} characters, with control characters as '?'. */
    static String printable(String s, int max) {
        String cut = s.length() > max ? s.substring(0, max) + "..." : s;
        StringBuilder b = new StringBuilder(cut.length());
        cut.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return b.toString();
    }
}
