package io.boomfs.engine.runtime;

import io.boomfs.engine.Tuple;
import io.boomfs.engine.facts.CsvFacts.FactsException;
import io.boomfs.engine.program.Program;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A node's facts directory, as {@code boom olg run --facts} reads it (parsed by
 * {@link io.boomfs.engine.facts.CsvFacts}). When the directory has a subdirectory named after the
 * node, that subdirectory is the node's (one facts tree for a whole deployment, as
 * {@code engine/examples/dls}).
 */
public final class CsvFacts {
    private CsvFacts() {
    }

    /**
     * The facts of node {@code nodeName} under {@code dir}.
     *
     * @throws IllegalArgumentException with file:line and what is wrong, for any bad file or row
     */
    public static List<Tuple> read(Program program, Path dir, String nodeName) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("facts directory " + dir + " does not exist or is not a directory");
        }
        Path own = dir.resolve(nodeName);
        try {
            return io.boomfs.engine.facts.CsvFacts.readDirectory(Files.isDirectory(own) ? own : dir, program);
        } catch (FactsException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
