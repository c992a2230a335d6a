package io.boomfs.engine.runtime;

import io.boomfs.engine.lang.Compiler;
import io.boomfs.engine.program.Program;

/** Compiles test programs from source, failing loudly with the diagnostics. */
final class Programs {
    private Programs() {
    }

    static Program compile(String name, String source) {
        Compiler.Result r = Compiler.compileSource(name, source);
        if (!r.ok()) {
            throw new AssertionError("program " + name + " does not compile: " + r.diagnostics());
        }
        return r.program();
    }
}
