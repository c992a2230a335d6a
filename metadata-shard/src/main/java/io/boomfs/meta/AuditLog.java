package io.boomfs.meta;

import io.boomfs.engine.Tuple;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A replica's audit trail (DESIGN.md, "Users and permissions"): one line per {@code ns_audit}
 * tuple, {@code TIME USER OP PATH RESULT} separated by tabs (tabs, newlines and backslashes in
 * a field escaped as {@code \t}, {@code \n}, {@code \\}), in {@code audit.log}; at {@code
 * maxBytes} it becomes {@code audit.log.1} (the older ones shift up to {@code keep}, the oldest
 * is dropped). Lines reach the disk within a fifth of a second (a background flush), not at
 * each line: the agent thread that writes them must not wait for the disk.
 */
public final class AuditLog implements AutoCloseable {
    private final Path dir;
    private final long maxBytes;
    private final int keep;
    private final ScheduledExecutorService flusher;
    private BufferedWriter out;
    private long bytes;
    private boolean failed;

    public AuditLog(Path dir, long maxBytes, int keep) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.keep = keep;
        try {
            Files.createDirectories(dir);
            open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the audit log in " + dir + ": " + e.getMessage(), e);
        }
        flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "audit-flush");
            t.setDaemon(true);
            return t;
        });
        flusher.scheduleWithFixedDelay(this::flush, 200, 200, TimeUnit.MILLISECONDS);
    }

    /** The current file. */
    public Path file() {
        return dir.resolve("audit.log");
    }

    private void open() throws IOException {
        out = Files.newBufferedWriter(file(), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        bytes = Files.size(file());
    }

    /** Writes one {@code ns_audit(User, Kind, Path, Result, Ms)} tuple. */
    public synchronized void write(Tuple t) {
        if (failed) {
            return;
        }
        String line = Instant.ofEpochMilli((Long) t.get(4)) + "\t" + escape(t.get(0)) + "\t" + escape(t.get(1)) + "\t"
            + escape(t.get(2)) + "\t" + escape(t.get(3)) + "\n";
        try {
            if (bytes + line.length() > maxBytes && bytes > 0) {
                rotate();
            }
            out.write(line);
            bytes += line.getBytes(StandardCharsets.UTF_8).length;
        } catch (IOException e) {
            // A full disk must not stop the replica: the trail says where it broke, once.
            failed = true;
            System.err.println("audit log " + file() + ": " + e.getMessage() + "; audit lines are no longer written");
        }
    }

    private void rotate() throws IOException {
        out.close();
        Files.deleteIfExists(dir.resolve("audit.log." + keep));
        for (int i = keep - 1; i >= 1; i--) {
            Path from = dir.resolve("audit.log." + i);
            if (Files.exists(from)) {
                Files.move(from, dir.resolve("audit.log." + (i + 1)), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(file(), dir.resolve("audit.log.1"), StandardCopyOption.REPLACE_EXISTING);
        open();
    }

    static String escape(Object field) {
        return String.valueOf(field).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n");
    }

    private synchronized void flush() {
        try {
            if (!failed) {
                out.flush();
            }
        } catch (IOException e) {
            failed = true;
            System.err.println("audit log " + file() + ": " + e.getMessage() + "; audit lines are no longer written");
        }
    }

    @Override
    public void close() {
        flusher.shutdownNow();
        flush();
        synchronized (this) {
            try {
                out.close();
            } catch (IOException e) {
                // Closing after a failed flush: nothing more to save.
            }
        }
    }
}
