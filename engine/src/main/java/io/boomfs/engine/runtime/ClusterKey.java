package io.boomfs.engine.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;

/**
 * The secret every member of a cluster shares: 32 random bytes that key the HMAC each frame
 * between members carries ({@link FrameAuth}). It lives in a text file, one line of 64 hex
 * digits (lines starting with {@code #} are comments), that only its owner may read: a file
 * that group or others can read is refused, since anyone who reads it is a member.
 *
 * <p>Neither {@link #toString()} nor any error shows the key; {@link #fingerprint()} (a hash of
 * it) lets an operator check that two nodes hold the same key without showing it.
 */
public final class ClusterKey {
    /** The key's length: the HMAC-SHA256 block size is 64, and 32 bytes are its full strength. */
    public static final int BYTES = 32;

    private final byte[] bytes;

    /** A key file that cannot be used, said in one line naming the file and the problem. */
    public static final class KeyFileException extends RuntimeException {
        public KeyFileException(String message) {
            super(message);
        }
    }

    private ClusterKey(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A key of exactly {@link #BYTES} bytes (tests, and a key read from a file). */
    public static ClusterKey of(byte[] bytes) {
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("a cluster key has " + BYTES + " bytes, not " + bytes.length);
        }
        return new ClusterKey(bytes.clone());
    }

    /** A fresh random key. */
    public static ClusterKey random(SecureRandom random) {
        byte[] b = new byte[BYTES];
        random.nextBytes(b);
        return new ClusterKey(b);
    }

    /** The key bytes (a copy). */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The first 8 bytes of the SHA-256 of the key, in hex: names a key in logs without showing it. */
    public String fingerprint() {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(bytes);
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "ClusterKey(" + fingerprint() + ")";
    }

    /**
     * Reads a key file, checking that only its owner can read or write it and that it holds one
     * key of {@link #BYTES} bytes.
     *
     * @throws KeyFileException one line: missing, not a file, readable by group or others, or not a key
     */
    public static ClusterKey load(Path file) {
        if (!Files.exists(file)) {
            throw new KeyFileException("cluster key file " + file + " does not exist (create one with ./boom keygen " + file + ")");
        }
        if (!Files.isRegularFile(file)) {
            throw new KeyFileException("cluster key file " + file + " is not a regular file");
        }
        checkMode(file);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new KeyFileException("cluster key file " + file + " cannot be read: " + e.getMessage());
        }
        return new ClusterKey(parse(file, text));
    }

    /** Refuses a file that group or others may read or write: whoever reads the key is a member. */
    private static void checkMode(Path file) {
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (view == null) {
            // Not a POSIX file system: there is no mode to check, and the operator was told so by the docs.
            return;
        }
        Set<PosixFilePermission> perms;
        try {
            perms = view.readAttributes().permissions();
        } catch (IOException e) {
            throw new KeyFileException("cluster key file " + file + ": cannot read its mode: " + e.getMessage());
        }
        for (PosixFilePermission p : perms) {
            if (p != PosixFilePermission.OWNER_READ && p != PosixFilePermission.OWNER_WRITE) {
                throw new KeyFileException("cluster key file " + file + " has mode " + mode(perms)
                    + ": only its owner may read it (chmod 600 " + file + ")");
            }
        }
        if (!perms.contains(PosixFilePermission.OWNER_READ)) {
            throw new KeyFileException("cluster key file " + file + " has mode " + mode(perms) + ": its owner cannot read it (chmod 600 " + file + ")");
        }
    }

    private static String mode(Set<PosixFilePermission> perms) {
        int m = 0;
        for (PosixFilePermission p : perms) {
            m |= 1 << (8 - p.ordinal());
        }
        return String.format("%03o", m);
    }

    private static byte[] parse(Path file, String text) {
        String hex = null;
        for (String line : text.split("\n", -1)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            if (hex != null) {
                throw new KeyFileException("cluster key file " + file + " holds more than one line of key; it should hold one line of "
                    + (2 * BYTES) + " hex digits");
            }
            hex = l;
        }
        if (hex == null) {
            throw new KeyFileException("cluster key file " + file + " holds no key; it should hold one line of " + (2 * BYTES) + " hex digits");
        }
        if (!hex.matches("[0-9a-fA-F]*") || hex.length() % 2 != 0) {
            throw new KeyFileException("cluster key file " + file + " is not a key: it should hold one line of " + (2 * BYTES) + " hex digits");
        }
        if (hex.length() != 2 * BYTES) {
            throw new KeyFileException("cluster key file " + file + " holds a key of " + hex.length() / 2 + " bytes; a cluster key has "
                + BYTES + " (make a new one with ./boom keygen)");
        }
        return HexFormat.of().parseHex(hex);
    }

    /**
     * Writes a new random key to {@code file}, mode 0600 from its creation (never readable by
     * others, not even for a moment). An existing file is replaced only when {@code force}: then
     * the new key is written next to it and moved over it, so that the file always holds a whole key.
     *
     * @return the new key
     * @throws KeyFileException the file exists (without force), or cannot be written
     */
    public static ClusterKey generate(Path file, boolean force, SecureRandom random) {
        ClusterKey key = random(random);
        String text = "# BoomFS cluster key (./boom keygen): every member of the cluster holds this file, mode 0600.\n"
            + HexFormat.of().formatHex(key.bytes) + "\n";
        Path dir = file.toAbsolutePath().getParent();
        try {
            if (!Files.isDirectory(dir)) {
                throw new KeyFileException("cannot write cluster key file " + file + ": directory " + dir + " does not exist");
            }
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !force) {
                throw new KeyFileException("cluster key file " + file + " exists already; ./boom keygen --force " + file + " replaces it");
            }
            Path tmp = dir.resolve("." + file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
            Files.deleteIfExists(tmp);
            createOwnerOnly(tmp);
            Files.writeString(tmp, text, StandardCharsets.US_ASCII);
            try {
                if (force) {
                    moveOver(tmp, file);
                } else {
                    // Not REPLACE_EXISTING: a file created meanwhile by someone else is not overwritten.
                    Files.move(tmp, file);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (FileAlreadyExistsException e) {
            throw new KeyFileException("cluster key file " + file + " exists already; ./boom keygen --force " + file + " replaces it");
        } catch (NoSuchFileException e) {
            throw new KeyFileException("cannot write cluster key file " + file + ": " + e.getMessage() + " does not exist");
        } catch (IOException e) {
            throw new KeyFileException("cannot write cluster key file " + file + ": " + e);
        }
        return key;
    }

    private static void createOwnerOnly(Path p) throws IOException {
        if (Files.getFileStore(p.getParent()).supportsFileAttributeView(PosixFileAttributeView.class)) {
            Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(p);
        }
    }

    private static void moveOver(Path tmp, Path file) throws IOException {
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Compares without an early exit, so that timing says nothing of where two keys differ. */
    public boolean sameAs(ClusterKey other) {
        return MessageDigest.isEqual(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterKey k && sameAs(k);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }
}
