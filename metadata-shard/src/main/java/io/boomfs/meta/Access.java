package io.boomfs.meta;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Users, tokens and POSIX-style mode bits (DESIGN.md, "Users and permissions"). The rules of
 * {@code namespace.olg} decide which right each op needs on which directory or file; this class
 * only answers whether a mode grants it, and shapes tokens and envelopes.
 *
 * <p>A user's token is {@code NAME:SECRET}, the secret 32 random bytes in unpadded base64url.
 * The shard keeps only {@link #hash} of the secret: SHA-256 without a salt, which is enough for a
 * random 256-bit secret (no dictionary to try) and keeps the check one hash per request.
 */
public final class Access {
    /** A file or directory's owner is {@code USER} or {@code USER:GROUP}. */
    private static final char GROUP_SEPARATOR = ':';

    private Access() {
    }

    /** A new user's secret: 32 random bytes, base64url without padding (43 characters). */
    public static String newSecret(SecureRandom random) {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** The hex SHA-256 of {@code secret}: what the shard stores and compares. */
    public static String hash(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** {@code op} in the envelope a client sends: {@code ["as", user, secret or null, op]}. */
    public static List<Object> envelope(String user, String secret, Object op) {
        return java.util.Arrays.asList("as", user, secret, op);
    }

    /** The op inside an envelope ({@code "as"} from a client, {@code "by"} in the log), or {@code op} itself. */
    static Object inner(Object op) {
        if (op instanceof List<?> l && !l.isEmpty()) {
            if ("by".equals(l.get(0)) && l.size() == 3) {
                return l.get(2);
            }
            if ("as".equals(l.get(0)) && l.size() == 4) {
                return l.get(3);
            }
        }
        return op;
    }

    /** The user part of an owner. */
    public static String ownerUser(String owner) {
        int i = owner.indexOf(GROUP_SEPARATOR);
        return i < 0 ? owner : owner.substring(0, i);
    }

    /** The group part of an owner, "" when it names none. */
    public static String ownerGroup(String owner) {
        int i = owner.indexOf(GROUP_SEPARATOR);
        return i < 0 ? "" : owner.substring(i + 1);
    }

    /**
     * Whether {@code mode} grants {@code user} (in {@code groups}) every right of {@code want}
     * (4 read, 2 write, 1 execute) on an object of {@code owner}: the owner's bits if the user
     * owns it, else the group's if the user is in its group, else the others'.
     */
    public static boolean may(long mode, String owner, String user, List<?> groups, long want) {
        long bits;
        if (ownerUser(owner).equals(user)) {
            bits = mode >> 6;
        } else if (!ownerGroup(owner).isEmpty() && groups.contains(ownerGroup(owner))) {
            bits = mode >> 3;
        } else {
            bits = mode;
        }
        return (bits & want & 7) == (want & 7);
    }

    /** The mode of a directory mkdirs makes on its way to the one asked for: the owner may write and go through it. */
    public static long parentMode(long mode) {
        return mode | 0300;
    }

    /** {@code mode}'s permission bits as {@code ls} shows them, e.g. {@code rwxr-x---}. */
    public static String modeText(long mode) {
        StringBuilder b = new StringBuilder(9);
        for (int shift = 6; shift >= 0; shift -= 3) {
            long bits = mode >> shift;
            b.append((bits & 4) != 0 ? 'r' : '-').append((bits & 2) != 0 ? 'w' : '-').append((bits & 1) != 0 ? 'x' : '-');
        }
        return b.toString();
    }

    /** The rights of {@code want} in words: "read", "write+execute", ... */
    static String rightsText(long want) {
        List<String> words = new java.util.ArrayList<>();
        if ((want & 4) != 0) {
            words.add("read");
        }
        if ((want & 2) != 0) {
            words.add("write");
        }
        if ((want & 1) != 0) {
            words.add("execute");
        }
        return String.join("+", words);
    }
}
