package io.boomfs.deploy.olg;

import io.boomfs.deploy.Boom;
import io.boomfs.deploy.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code boom olg check}: diagnostics on stdout, a summary per file, exit 1 on any error. */
class OlgCheckCommandTest {
    @TempDir
    Path dir;

    private void write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }

    @Test
    void aGoodProgramIsOk() throws IOException {
        write("good.olg", "table t(X: long).\nview v(X: long).\nv(X) :- t(X).\n");
        Cli.Result r = Cli.run(dir, "olg", "check", "good.olg");
        assertEquals(new Cli.Result(Boom.OK, "good.olg: ok\n", ""), r);
    }

    @Test
    void warningsAloneDoNotFailTheCheck() throws IOException {
        write("w.olg", "table t(X: long).\nview v(X: long).\n");
        Cli.Result r = Cli.run(dir, "olg", "check", "w.olg");
        assertEquals(new Cli.Result(Boom.OK,
            "w.olg:2:1: warning: view v has no rules, so it is always empty\nw.olg: ok, 1 warning\n", ""), r);
    }

    @Test
    void anErrorIsPrintedWithItsHintAndFailsTheCheck() throws IOException {
        write("bad.olg", "table a(X: long).\nview b(X: long).\nb(X) :- a(Y).\n");
        Cli.Result r = Cli.run(dir, "olg", "check", "bad.olg");
        assertEquals(new Cli.Result(Boom.ERROR,
            "bad.olg:3:3: error: unsafe rule: head variable X is not bound by the body\n"
                + "  hint: bind it in a positive atom or with X = expr\n"
                + "bad.olg: 1 error\n", ""), r);
    }

    @Test
    void everyFileIsCheckedAndOneErrorFailsTheWholeCheck() throws IOException {
        write("good.olg", "table t(X: long).\n");
        Cli.Result r = Cli.run(dir, "olg", "check", "good.olg", "missing.olg", "good.olg");
        assertEquals(new Cli.Result(Boom.ERROR,
            "good.olg: ok\nmissing.olg:1:1: error: file not found\nmissing.olg: 1 error\ngood.olg: ok\n", ""), r);
    }

    @Test
    void importsAreFoundRelativeToTheImportingFileAndNamedAsTyped() throws IOException {
        write("app/main.olg", "import \"lib/decls.olg\".\nview v(X: long).\nv(X) :- t(X).\n");
        write("app/lib/decls.olg", "table t(X: long).\nview w(X: long).\n");
        Cli.Result r = Cli.run(dir, "olg", "check", "app/main.olg");
        assertEquals(new Cli.Result(Boom.OK,
            "app/lib/decls.olg:2:1: warning: view w has no rules, so it is always empty\napp/main.olg: ok, 1 warning\n",
            ""), r);
    }

    /** {@code boom olg check --explain} of {@code src} written as {@code file}. */
    private Cli.Result explain(String file, String src) throws IOException {
        write(file, src);
        return Cli.run(dir, "olg", "check", "--explain", file);
    }

    @Test
    void explainPrintsStrataAndRuleDependencies() throws IOException {
        Cli.Result r = explain("p.olg", "table t(X: long).\nview v(X: long).\nview n(C: long).\nv(X) :- t(X).\nn(count<X>) :- v(X).\n");
        assertEquals(new Cli.Result(Boom.OK, """
            p.olg: ok
            stratum 0: v
              rule p.olg:4:1 <- t => v
            stratum 1: n
              rule p.olg:5:1 <- v => n
            """, ""), r);
    }

    @Test
    void anAggregateBesideAnotherRuleOfItsViewGoesThroughAHiddenRelation() throws IOException {
        Cli.Result r = explain("p.olg", "table t(X: long).\nview n(C: long).\nn(count<X>) :- t(X).\nn(0) :- t(_).\n");
        assertEquals(new Cli.Result(Boom.OK, """
            p.olg: ok
            stratum 0: n[aggregate]
              rule p.olg:3:1 <- t => n[aggregate]
            stratum 1: n
              rule p.olg:3:1 <- n[aggregate] => n
              rule p.olg:4:1 <- t => n
            """, ""), r);
    }

    @Test
    void explainPrintsNoStrataForAProgramWithErrors() throws IOException {
        Cli.Result r = explain("bad.olg", "table a(X: long).\nview b(X: long).\nb(X) :- a(Y).\n");
        assertEquals(Boom.ERROR, r.code());
        assertEquals(false, r.out().contains("stratum"), r.out());
    }

    @Test
    void checkNeedsAFile() {
        Cli.Result r = Cli.run(dir, "olg", "check");
        assertEquals(Boom.USAGE, r.code());
        assertEquals("", r.out());
    }
}
