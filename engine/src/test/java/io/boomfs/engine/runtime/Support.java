package io.boomfs.engine.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** Ports, waiting with a deadline, and the example's expected output, for the runtime's tests. */
final class Support {
    private Support() {
    }

    static final Path ENGINE = Path.of(System.getProperty("user.dir"));
    static final Path DLS = ENGINE.resolve("examples/dls.olg");
    static final Path DLS_FACTS = ENGINE.resolve("examples/dls");

    /** Waits for {@code done}, failing with {@code what} and the dump after {@code timeoutMs}. */
    static void await(String what, long timeoutMs, BooleanSupplier done, Supplier<String> dump) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!done.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what + "\n" + dump.get());
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    /** The expected lines of one node in dls.expected, without the node name ("ls_result(...)"). */
    static List<String> expected(Path file, String node) {
        try {
            return Files.readAllLines(file).stream().filter(l -> l.startsWith(node + " "))
                .map(l -> l.substring(node.length() + 1)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A log that keeps its lines (to dump on failure) and can echo them. */
    static final class Log implements Consumer<String> {
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public void accept(String s) {
            lines.add(s);
        }

        @Override
        public String toString() {
            return String.join("\n", lines);
        }
    }
}
