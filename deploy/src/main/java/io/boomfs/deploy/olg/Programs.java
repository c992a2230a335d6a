package io.boomfs.deploy.olg;

import io.boomfs.deploy.Boom;
import io.boomfs.engine.lang.Compiler;
import io.boomfs.engine.lang.Functions;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Compiling the user's programs, with file names in diagnostics as the user typed them. */
final class Programs {
    private Programs() {
    }

    /**
     * Compiles {@code file} (and its imports). Diagnostics name the files relative to the
     * user's directory, the way they were typed, while reading resolves them against the
     * application's base directory.
     */
    static Compiler.Result compile(Boom app, String file) {
        return Compiler.compileSource(file, null, new Functions(), p -> read(app.path(p.toString())));
    }

    private static String read(Path p) throws java.io.IOException {
        return Files.isRegularFile(p) ? Files.readString(p, StandardCharsets.UTF_8) : null;
    }
}
