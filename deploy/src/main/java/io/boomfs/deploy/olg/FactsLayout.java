package io.boomfs.deploy.olg;

import io.boomfs.deploy.Boom;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.facts.CsvFacts;
import io.boomfs.engine.facts.CsvFacts.FactsException;
import io.boomfs.engine.program.Program;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where {@code --facts DIR} finds each node's facts: {@code DIR/<relation>.csv} for the single
 * node, {@code DIR/<node>/<relation>.csv} with {@code --nodes}. A node without a directory
 * starts with the program's own facts only; anything in DIR that no node would read is an
 * error, so that a misnamed file or directory is never silently ignored.
 */
final class FactsLayout {
    private final Boom app;
    private final String dir;
    private final boolean perNode;

    /**
     * @param dir     the directory as the user gave it, or null for no facts
     * @param perNode whether facts are laid out per node ({@code --nodes})
     */
    FactsLayout(Boom app, String dir, boolean perNode) {
        this.app = app;
        this.dir = dir;
        this.perNode = perNode;
    }

    /** The facts of each address, in the order of {@code addresses}. */
    Map<String, List<Tuple>> load(Program program, List<String> addresses) throws FactsException {
        Map<String, List<Tuple>> out = new LinkedHashMap<>();
        for (String a : addresses) {
            out.put(a, List.of());
        }
        if (dir == null) {
            return out;
        }
        Path root = app.path(dir);
        if (!perNode) {
            out.put(addresses.get(0), CsvFacts.readDirectory(root, dir, program));
            return out;
        }
        checkPerNodeLayout(root, addresses);
        for (String a : addresses) {
            Path nodeDir = root.resolve(a);
            if (Files.isDirectory(nodeDir)) {
                out.put(a, CsvFacts.readDirectory(nodeDir, shown(a), program));
            }
        }
        return out;
    }

    /** How messages name an entry of the facts directory: below the directory as the user wrote it. */
    private String shown(String entry) {
        return Path.of(dir).resolve(entry).toString();
    }

    private void checkPerNodeLayout(Path root, List<String> addresses) throws FactsException {
        if (!Files.isDirectory(root)) {
            throw new FactsException(dir + ": error: facts directory not found");
        }
        List<Path> entries;
        try (Stream<Path> s = Files.list(root)) {
            entries = s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new FactsException(dir + ": error: cannot list the directory: " + e.getMessage());
        }
        for (Path p : entries) {
            String name = p.getFileName().toString();
            if (Files.isDirectory(p) && !addresses.contains(name)) {
                throw new FactsException(shown(name) + ": error: " + name + " is not one of the --nodes ("
                    + String.join(",", addresses) + "), so no node would read these facts");
            }
            if (!Files.isDirectory(p) && name.endsWith(".csv")) {
                throw new FactsException(shown(name) + ": error: with --nodes, facts go in "
                    + Path.of(dir) + "/<node>/<relation>.csv, one directory per node");
            }
        }
    }
}
