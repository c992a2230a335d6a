package io.boomfs.meta;

import io.boomfs.engine.lang.Compiler;
import io.boomfs.engine.lang.Diagnostic;
import io.boomfs.paxos.ReplicatedLog;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** namespace.olg compiles with the Paxos roles without a diagnostic; its size is printed (issue 6 asks). */
class NamespaceShapeTest {
    @Test
    void compilesWithoutDiagnosticsAndPrintsItsSize() {
        MetaShard.compile();
        String text = MetaShard.resource("namespace.olg");
        String source = MetaShard.source();
        String src = "import \"replica.olg\".\nimport \"/boomfs-classpath/state-machine/namespace.olg\".\n";
        Compiler.Result r = Compiler.compileSource("/boomfs-classpath/io/boomfs/paxos/x.olg", src,
            MetaShard.functions(ReplicatedLog.functions()), path -> path.toString().endsWith("state-machine/namespace.olg")
                ? source : ReplicatedLog.resourceText(path.getFileName().toString()));
        List<Diagnostic> diags = r.diagnostics();
        assertEquals(List.of(), diags, "no diagnostics at all");
        long rules = text.lines().map(l -> l.contains("//") ? l.substring(0, l.indexOf("//")) : l).filter(l -> l.contains(":-")).count();
        long lines = text.lines().count();
        System.out.printf("namespace.olg: %d rules, %d lines%n", rules, lines);
        assertTrue(rules > 50);
    }

    /**
     * The move's bucket count is a constant of the rules (the expression indexes' place(.., N))
     * besides its setting: they agree, and a replica refuses another value in one line.
     */
    @Test
    void moveBucketsAreFixedAndAnotherValueIsRefused() {
        String text = MetaShard.resource("namespace.olg");
        assertTrue(text.contains("px_config(\"sm.move_buckets\", " + MetaReplica.MOVE_BUCKETS + ")."), "the setting's default");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("place\\([A-Za-z]+, [A-Za-z\"]+, (\\d+)\\)").matcher(
            String.join("\n", text.lines().map(l -> l.contains("//") ? l.substring(0, l.indexOf("//")) : l).toList()));
        int places = 0;
        while (m.find()) {
            assertEquals(Long.toString(MetaReplica.MOVE_BUCKETS), m.group(1), "a bucket's place: " + m.group());
            places++;
        }
        assertEquals(12, places, "six bucket views and six clearing rules");
        MetaReplica.fixedSettings(List.of("--set", "sm.move_buckets=1024", "--set", "sm.vparts=16"));
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = MetaReplica.run("meta-replica", new String[] {"--set", "sm.move_buckets=256"}, java.io.InputStream.nullInputStream(),
            new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true), new java.io.PrintStream(err, true), server -> () -> { });
        assertEquals(1, code);
        assertEquals("meta-replica: error: --set sm.move_buckets=256: sm.move_buckets is fixed at 1024"
            + " (namespace.olg's bucket indexes are built on that constant)", err.toString().strip());
    }

    @Test
    void pathsAreCheckedWithTheReason() {
        assertNull(MetaShard.pathError(List.of("a", "b")));
        assertNull(MetaShard.pathError(List.of()));
        assertEquals("empty name", MetaShard.pathError(List.of("a", "")));
        assertEquals("'..' is not a name", MetaShard.pathError(List.of("..")));
        assertEquals("a name holds no '/' and no NUL: a\\0b", MetaShard.pathError(List.of("a\0b")));
        assertTrue(MetaShard.pathError(List.of("x".repeat(256))).startsWith("a name of 256 characters"));
        assertTrue(MetaShard.pathError(java.util.Collections.nCopies(257, "a")).startsWith("more than 256"));
        assertTrue(MetaShard.pathError("/a/b").startsWith("a path is a list"));
    }

    @Test
    void hintedPathsAreCheckedWithTheReason() {
        assertNull(OpShape.error(List.of("stat", List.of(List.of("a", "b"), 0L, 16L, 1L))));
        assertNull(OpShape.error(List.of("stat", List.of(List.of(), -1L, 1L, 0L))));
        // The ops that change a name need the parent at the deepest; those that read or change what
        // the path leads to may name the path itself (a directory or file of another shard).
        assertEquals("delete: path hints depth 2 of a path of 2 names (0..1: the parent at the deepest)",
            OpShape.error(List.of("delete", List.of(List.of("a", "b"), 0L, 16L, 2L), true)));
        assertNull(OpShape.error(List.of("stat", List.of(List.of("a", "b"), 0L, 16L, 2L))));
        assertEquals("stat: path hints depth 3 of a path of 2 names (0..2)",
            OpShape.error(List.of("stat", List.of(List.of("a", "b"), 0L, 16L, 3L))));
        assertEquals("mkdirs: path hints depth -1 of a path of 2 names (0..1: the parent at the deepest)",
            OpShape.error(List.of("mkdirs", List.of(List.of("a", "b"), 0L, 16L, -1L), 493L, "u", 0L)));
        assertTrue(OpShape.error(List.of("rename", List.of("a"), List.of(List.of("b"), "0", 16L, 1L)))
            .startsWith("rename: destination is [names, epoch, directory id, depth] with three whole numbers"));
        // A plain path of four names is not a hinted one.
        assertNull(OpShape.error(List.of("stat", List.of("a", "b", "c", "d"))));
    }
}
