package io.boomfs.chaos.cluster;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/** The nodes' log files of a run: {@code <dir>/logs/<id>.log}, appended to by every start of the node. */
final class NodeLogs {
    private NodeLogs() {
    }

    static NodeOutput open(Path dir, String id, LongSupplier clock) {
        Path f = file(dir, id);
        try {
            Files.createDirectories(f.getParent());
            return new NodeOutput(new PrintWriter(Files.newBufferedWriter(f, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)), clock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + f + ": " + e.getMessage(), e);
        }
    }

    static Map<String, List<String>> read(Path dir, Collection<String> ids) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String id : ids) {
            try {
                out.put(id, Files.readAllLines(file(dir, id), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the log of " + id + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static Path file(Path dir, String id) {
        return dir.resolve("logs").resolve(id + ".log");
    }
}
