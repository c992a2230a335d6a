package io.boomfs.engine.runtime;

/**
 * The layout of one network frame, version 1, little-endian:
 * <pre>
 *   0  u16 magic 0xB00F
 *   2  u8  version
 *   3  u8  flags: bit 0 set when the frame is signed ({@link FrameAuth#FLAG_SIGNED}), other bits 0
 *   4  i32 frame length in bytes (the whole frame: a truncated frame is detected)
 *   8  i64 frame fingerprint: {@link Schemas#combine} of the relation fingerprints below
 *  16  u16 sender address length, then the address in UTF-8
 *      u16 relation count, then per relation: u16 name length, name, u16 arity, i64 fingerprint
 *      i32 tuple count, then per tuple: u16 relation index, then arity values ({@link ValueCodec})
 *      signed frames only, the trailer ({@link FrameAuth}): i64 counter, then 16 bytes of
 *      HMAC-SHA256 over every byte before them
 * </pre>
 * The sender's address lets a receiver answer and name the sender in its refusals; the
 * fingerprints let two programs that disagree on a message's shape fail loudly.
 */
public final class FrameFormat {
    public static final short MAGIC = (short) 0xB00F;
    public static final byte VERSION = 1;
    public static final int HEADER_BYTES = 16;

    private FrameFormat() {
    }
}
