package io.boomfs.deploy.olg;

import io.boomfs.deploy.Boom;
import io.boomfs.engine.lang.Compiler;
import io.boomfs.engine.lang.Diagnostic;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code boom olg check FILE...}: compiles each file on its own and prints, on stdout (they are
 * what the command is for), its diagnostics followed by one summary line per file:
 * {@code FILE: ok}, {@code FILE: ok, 2 warnings} or {@code FILE: 1 error, 2 warnings}. With
 * {@code --explain}, a program that compiles is followed by its strata and rule dependencies.
 * Exit 1 when any file has an error, 0 otherwise.
 */
@Command(name = "check",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = {"Check Overlog files and print their errors and warnings.",
        "",
        "Diagnostics go to stdout, then one line per file: FILE: ok, or how many errors and warnings it has. "
            + "Exit code 1 if any file has an error, 0 otherwise."})
public final class OlgCheckCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Overlog files (.olg) to check, each on its own.")
    private List<String> files;

    @Option(names = "--explain", description = "Also print each program's strata and rule dependencies.")
    private boolean explain;

    @Override
    public Integer call() {
        Boom app = OlgCommand.app(spec);
        PrintStream out = app.out();
        boolean anyError = false;
        for (String file : files) {
            Compiler.Result r = Programs.compile(app, file);
            for (Diagnostic d : r.diagnostics()) {
                out.println(d);
            }
            int errors = r.errors().size();
            int warnings = r.diagnostics().size() - errors;
            anyError |= errors > 0;
            out.println(file + ": " + summary(errors, warnings));
            if (explain && r.ok()) {
                r.program().stratumText().forEach(out::println);
            }
        }
        return anyError ? Boom.ERROR : Boom.OK;
    }

    private static String summary(int errors, int warnings) {
        String w = warnings == 0 ? "" : warnings + (warnings == 1 ? " warning" : " warnings");
        if (errors == 0) {
            return w.isEmpty() ? "ok" : "ok, " + w;
        }
        String e = errors + (errors == 1 ? " error" : " errors");
        return w.isEmpty() ? e : e + ", " + w;
    }
}
