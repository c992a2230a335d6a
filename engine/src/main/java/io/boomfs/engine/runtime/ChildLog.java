package io.boomfs.engine.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The log file of a child process (a replica or datanode JVM that a launcher started): every
 * line of its stdout and stderr, as the launcher's pumps read them, appended and flushed line by
 * line so that a crash loses nothing already printed. Closed once both streams have ended. A
 * log of no file ({@link #NONE}) drops the lines. Thread-safe.
 */
public final class ChildLog {
    public static final ChildLog NONE = new ChildLog(null);

    private final Writer out;
    private int ended;

    private ChildLog(Writer out) {
        this.out = out;
    }

    /**
     * Opens {@code file} for appending (a restarted child goes on in the same file), creating its
     * directory.
     *
     * @throws UncheckedIOException it cannot be created or written
     */
    public static ChildLog open(Path file) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            return new ChildLog(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the log file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Appends one line; a write that fails (a full disk) loses the line, never the child. */
    public synchronized void line(String line) {
        if (out == null) {
            return;
        }
        try {
            out.write(line);
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            // The launcher keeps the last lines in memory too; a log that cannot be written must not stop the pump.
        }
    }

    /** One of the child's two streams ended; the second closes the file. */
    public synchronized void streamEnded() {
        if (out != null && ++ended == 2) {
            try {
                out.close();
            } catch (IOException e) {
                // Nothing more will be written.
            }
        }
    }
}
