package io.boomfs.datanode;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;

/**
 * A chunk token: the metadata shard's permission to read or write one chunk until a deadline,
 * which a datanode checks before serving the request (as HDFS block tokens do). Only holders of
 * the cluster's token key can make one, so a client that the shard did not send to a chunk
 * cannot read or overwrite it, and a token leaked or kept is worth nothing after its expiry.
 *
 * <p>A token is a compact string, 67 characters of URL-safe base64 (no padding) over 50 bytes:
 * <pre>
 *   0  u8  token format (1)
 *   1  i64 chunk id
 *   9  u8  mode (1 READ, 2 WRITE)
 *  10  i64 expiry, ms since the epoch (the token is good while now &lt; expiry)
 *  18  HMAC-SHA256 of bytes 0..17 under the token key (32 bytes)
 * </pre>
 * {@link #issue} is a pure function of its inputs, so the shard may compute tokens anywhere,
 * inside a rule included; datanodes only verify.
 *
 * <p>The token key: the datanodes and the shards share it. It is derived from the cluster key
 * with {@link #deriveKey} (an HMAC under the cluster key of a fixed label), so the cluster key
 * itself never serves two purposes; a datanode gets the derived key in its
 * {@link DataServer.Config#tokenKey()}.
 */
public final class ChunkToken {
    /** What a token allows. A write token does not allow reads, and the other way round. */
    public enum Mode {
        READ(1),
        WRITE(2);

        private final int wire;

        Mode(int wire) {
            this.wire = wire;
        }

        static Mode ofWire(int wire) {
            for (Mode m : values()) {
                if (m.wire == wire) {
                    return m;
                }
            }
            return null;
        }
    }

    /** The secret that signs tokens: at least 16 bytes. Its toString does not show it. */
    public static final class Key {
        static final int MIN_BYTES = 16;
        private final byte[] bytes;

        public Key(byte[] bytes) {
            if (bytes == null || bytes.length < MIN_BYTES) {
                throw new IllegalArgumentException("a chunk token key has at least " + MIN_BYTES + " bytes, not "
                    + (bytes == null ? "none" : bytes.length));
            }
            this.bytes = bytes.clone();
        }

        private byte[] mac(byte[] data, int length) {
            try {
                Mac mac = Mac.getInstance(ALGORITHM);
                mac.init(new SecretKeySpec(bytes, ALGORITHM));
                mac.update(data, 0, length);
                return mac.doFinal();
            } catch (GeneralSecurityException e) {
                // Every Java platform has HmacSHA256, and any key of 16 or more bytes suits it.
                throw new IllegalStateException("HMAC-SHA256 is unavailable: " + e, e);
            }
        }

        @Override
        public String toString() {
            return "ChunkToken.Key(" + bytes.length + " bytes)";
        }
    }

    /** Why a datanode refuses a request's token: the error code and one line that names the chunk. */
    record Refusal(ErrorCode code, String reason) {
    }

    static final int FORMAT = 1;
    static final int SIGNED_BYTES = 18;
    static final int TAG_BYTES = 32;
    static final int TOKEN_BYTES = SIGNED_BYTES + TAG_BYTES;
    /** The length of every token string. */
    static final int ENCODED_CHARS = (TOKEN_BYTES * 8 + 5) / 6;
    private static final String ALGORITHM = "HmacSHA256";
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final byte[] KEY_LABEL = "boomfs chunk token key v1".getBytes(StandardCharsets.US_ASCII);

    private ChunkToken() {
    }

    /** The token key of a cluster whose shared secret is {@code clusterKey}. */
    public static Key deriveKey(byte[] clusterKey) {
        return new Key(new Key(clusterKey).mac(KEY_LABEL, KEY_LABEL.length));
    }

    /**
     * The token key of a cluster as hex, for a shard's rules ({@link #issue(String, long, Mode,
     * long)}): kept in a table that is neither durable nor exported, never the cluster key itself.
     */
    public static String deriveKeyHex(byte[] clusterKey) {
        return java.util.HexFormat.of().formatHex(new Key(clusterKey).mac(KEY_LABEL, KEY_LABEL.length));
    }

    /** The last key {@link #issue(String, long, Mode, long)} was given, parsed once. */
    private static volatile Object[] lastKey = {"", null};

    /** {@link #issue(Key, long, Mode, long)} with the key as {@link #deriveKeyHex} gives it. */
    public static String issue(String keyHex, long chunkId, Mode mode, long expiryMs) {
        Object[] last = lastKey;
        Key key;
        if (last[0].equals(keyHex)) {
            key = (Key) last[1];
        } else {
            key = new Key(java.util.HexFormat.of().parseHex(keyHex));
            lastKey = new Object[] {keyHex, key};
        }
        return issue(key, chunkId, mode, expiryMs);
    }

    /** The token that allows {@code mode} on chunk {@code chunkId} until {@code expiryMs}. */
    public static String issue(Key key, long chunkId, Mode mode, long expiryMs) {
        ByteBuffer b = ByteBuffer.allocate(TOKEN_BYTES);
        b.put((byte) FORMAT).putLong(chunkId).put((byte) mode.wire).putLong(expiryMs);
        b.put(key.mac(b.array(), SIGNED_BYTES));
        return ENCODER.encodeToString(b.array());
    }

    /**
     * Why {@code token} does not allow {@code mode} on chunk {@code chunkId} at {@code nowMs}, or
     * null when it does. The signature is checked before anything the token claims is believed.
     */
    static Refusal check(Key key, String token, long chunkId, Mode mode, long nowMs) {
        String chunk = "chunk " + ChunkFormat.hex(chunkId);
        String what = mode.name().toLowerCase(Locale.ROOT) + " of " + chunk;
        if (token.isEmpty()) {
            return denied("a " + what + " needs a chunk token, and the request has none");
        }
        byte[] b = decode(token);
        if (b == null) {
            return denied("the token of a " + what + " is not a chunk token (" + ENCODED_CHARS + " characters of URL-safe base64)");
        }
        if (b[0] != FORMAT) {
            return denied("the token of a " + what + " has format " + (b[0] & 0xff) + "; this datanode reads format " + FORMAT);
        }
        if (!MessageDigest.isEqual(key.mac(b, SIGNED_BYTES), Arrays.copyOfRange(b, SIGNED_BYTES, TOKEN_BYTES))) {
            return denied("the token of a " + what + " is not signed with this cluster's token key");
        }
        ByteBuffer fields = ByteBuffer.wrap(b, 1, SIGNED_BYTES - 1);
        long tokenChunk = fields.getLong();
        Mode tokenMode = Mode.ofWire(fields.get());
        long expiryMs = fields.getLong();
        if (tokenChunk != chunkId) {
            return denied("the token of a " + what + " is for chunk " + ChunkFormat.hex(tokenChunk));
        }
        if (tokenMode != mode) {
            return denied("the token of a " + what + " allows " + (tokenMode == null ? "nothing" : tokenMode.name().toLowerCase(Locale.ROOT) + "s only"));
        }
        if (nowMs >= expiryMs) {
            return new Refusal(ErrorCode.TOKEN_EXPIRED, "the token of a " + what + " expired " + (nowMs - expiryMs)
                + " ms ago (at " + expiryMs + " ms since the epoch)");
        }
        return null;
    }

    private static Refusal denied(String reason) {
        return new Refusal(ErrorCode.ACCESS_DENIED, reason);
    }

    /** The bytes of a well-shaped token string, or null. */
    private static byte[] decode(String token) {
        if (token.length() != ENCODED_CHARS) {
            return null;
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return null;
            }
        }
        byte[] b = Base64.getUrlDecoder().decode(token);
        // The last character carries two bits that the decoder ignores: a string that is not
        // exactly what issue() writes for its bytes is not a token, so no two strings are the
        // same token.
        return b.length == TOKEN_BYTES && ENCODER.encodeToString(b).equals(token) ? b : null;
    }
}
