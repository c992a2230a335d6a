package io.boomfs.meta;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Token files (DESIGN.md, "Users and permissions"): one line {@code NAME:SECRET}, readable and
 * writable by their owner only (mode 0600), as {@code boom admin user add} writes them.
 */
public final class Tokens {
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
        PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private Tokens() {
    }

    /** A user's name and secret. */
    public record Token(String user, String secret) {
        @Override
        public String toString() {
            return user + ":" + secret;
        }
    }

    /**
     * The token in {@code file}; with {@code user} non-null, it must be that user's.
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static Token read(Path file, String user) {
        String text;
        try {
            if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
                Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
                p.retainAll(OTHERS);
                if (!p.isEmpty()) {
                    throw new IllegalArgumentException("token file " + file + " is readable by others (mode "
                        + PosixFilePermissions.toString(Files.getPosixFilePermissions(file)) + "): chmod 600 " + file);
                }
            }
            text = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read token file " + file + ": " + e.getMessage());
        }
        int colon = text.indexOf(':');
        if (colon <= 0 || colon == text.length() - 1 || text.indexOf('\n') >= 0 || text.indexOf(':', colon + 1) >= 0) {
            throw new IllegalArgumentException("token file " + file + " holds one line NAME:SECRET (from boom admin user add)");
        }
        Token t = new Token(text.substring(0, colon), text.substring(colon + 1));
        if (user != null && !t.user().equals(user)) {
            throw new IllegalArgumentException("token file " + file + " is " + t.user() + "'s token, not " + user + "'s");
        }
        return t;
    }

    /**
     * The token of {@code file}, or of the file {@code $BOOMFS_TOKEN_FILE} names when {@code file}
     * is null; null when neither names one.
     */
    public static Token fromOption(Path file) {
        String env = System.getenv("BOOMFS_TOKEN_FILE");
        Path f = file != null ? file : env != null && !env.isBlank() ? Path.of(env) : null;
        return f == null ? null : read(f, null);
    }

    /** Writes {@code token} to a new file {@code file} of mode 0600 (an existing file is an error). */
    public static void write(Path file, Token token) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (Files.getFileStore(parent).supportsFileAttributeView("posix")) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(file);
        }
        Files.writeString(file, token + "\n", StandardCharsets.UTF_8);
    }
}
