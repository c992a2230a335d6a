package io.boomfs.engine.facts;

import io.boomfs.engine.Tuple;
import io.boomfs.engine.facts.CsvFacts.FactsException;
import io.boomfs.engine.lang.Compiler;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.program.Relation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CsvFactsTest {
    private static final Program PROGRAM = compile("""
        table file(FileId: long, ParentId: long, Name: string, IsDir: bool) key(FileId).
        table reading(@Node: addr, Value: double, Tag: any).
        event request(Id: long).
        view  fqpath(FileId: long, Path: string).
        timer tick(100).
        fqpath(F, N) :- file(F, _, N, _).
        seen(I) :- request(I).
        table seen(Id: long).
        """);

    private static Program compile(String source) {
        Compiler.Result r = Compiler.compileSource("facts.olg", source);
        if (!r.ok()) {
            throw new AssertionError("test program does not compile: " + r.diagnostics());
        }
        return r.program();
    }

    private static Relation rel(String name) {
        return PROGRAM.relation(name);
    }

    private static List<Tuple> parse(String rel, String text) throws FactsException {
        return CsvFacts.parse("f.csv", text, rel(rel));
    }

    private static String error(String rel, String text) {
        return assertThrows(FactsException.class, () -> parse(rel, text)).getMessage();
    }

    @Test
    void parsesEachColumnByItsDeclaredType() throws FactsException {
        assertEquals(List.of(new Tuple("file", 1L, null, "", true), new Tuple("file", -2L, 1L, "home", false)),
            parse("file", "1,null,\"\",true\n-2,1,home,false\n"));
        assertEquals(List.of(new Tuple("reading", "n1", 2.5, "x"), new Tuple("reading", "n2", 3.0, "7"),
                new Tuple("reading", "n3", -1.0e-3, null)),
            parse("reading", "n1,2.5,x\nn2,3,7\nn3,-1e-3,null"));
    }

    @Test
    void quotedFieldsHoldCommasNewlinesAndDoubledQuotes() throws FactsException {
        List<Tuple> t = parse("file", "4,3,\"notes, draft \"\"v2\"\".txt\",false\r\n5,3,\"two\nlines\",false\r\n");
        assertEquals(List.of(new Tuple("file", 4L, 3L, "notes, draft \"v2\".txt", false),
            new Tuple("file", 5L, 3L, "two\nlines", false)), t);
    }

    @Test
    void onlyUnquotedNullIsNull() throws FactsException {
        assertEquals(List.of(new Tuple("file", 1L, null, "null", true), new Tuple("file", 2L, 1L, null, true)),
            parse("file", "1,null,\"null\",true\n2,1,null,true\n"));
    }

    @Test
    void blankLinesAndAByteOrderMarkAreSkipped() throws FactsException {
        assertEquals(List.of(new Tuple("request", 1L), new Tuple("request", 2L)),
            parse("request", "\uFEFF1\n\n\r\n2\n\n"));
        assertEquals(List.of(), parse("request", ""));
    }

    @Test
    void wrongColumnCountNamesTheColumns() {
        assertEquals("f.csv:2: error: file has 4 columns (FileId, ParentId, Name, IsDir), but this line has 3 values",
            error("file", "1,null,a,true\n2,1,b\n"));
        assertEquals("f.csv:1: error: request has 1 column (Id), but this line has 2 values",
            error("request", "1,2\n"));
    }

    @Test
    void lineNumbersCountLineBreaksInsideQuotes() {
        assertEquals("f.csv:3: error: column IsDir (bool): \"yes\" is neither true nor false",
            error("file", "1,null,\"a\nb\",true\n2,1,c,yes\n"));
    }

    @Test
    void badValuesNameTheColumnAndTheText() {
        assertEquals("f.csv:1: error: column ParentId (long): \"x1\" is not a whole number",
            error("file", "1,x1,a,true\n"));
        assertEquals("f.csv:1: error: column FileId (long): \"1.5\" is not a whole number",
            error("file", "1.5,null,a,true\n"));
        assertEquals("f.csv:1: error: column FileId (long): \"99999999999999999999\" is out of range for a long",
            error("file", "99999999999999999999,null,a,true\n"));
        assertEquals("f.csv:1: error: column FileId (long): \"\" is not a whole number",
            error("file", ",null,a,true\n"));
        assertEquals("f.csv:1: error: column Value (double): \"2.5d\" is not a number",
            error("reading", "n,2.5d,x\n"));
        assertEquals("f.csv:1: error: column IsDir (bool): \"True\" is neither true nor false",
            error("file", "1,null,a,True\n"));
        assertEquals("f.csv:1: error: column ParentId (long): \"null\" is not a whole number",
            error("file", "1,\"null\",a,true\n"));
    }

    @Test
    void malformedQuotingIsReportedWhereItStarts() {
        assertEquals("f.csv:2: error: the quoted value of column Name (string) is never closed (a \" is missing)",
            error("file", "1,null,a,true\n2,1,\"b,false\n3,1,c,false\n"));
        assertEquals("f.csv:1: error: a quote inside the unquoted value of column Name (string);"
                + " quote the whole value and double the quotes inside it",
            error("file", "1,null,a\"b,true\n"));
        assertEquals("f.csv:1: error: after the closing quote of column Name (string) a comma or the end of the line"
                + " must follow, not 'x'",
            error("file", "1,null,\"a\"x,true\n"));
    }

    @Test
    void readsADirectoryOfRelationFilesInNameOrder(@TempDir Path dir) throws IOException, FactsException {
        Files.writeString(dir.resolve("request.csv"), "7\n", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("file.csv"), "1,null,\"\",true\n", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("README.txt"), "not facts", StandardCharsets.UTF_8);
        assertEquals(List.of(new Tuple("file", 1L, null, "", true), new Tuple("request", 7L)),
            CsvFacts.readDirectory(dir, PROGRAM));
    }

    @Test
    void directoryErrorsNameTheFileAndWhatIsWrong(@TempDir Path dir) throws IOException {
        Path unknown = dir.resolve("files.csv");
        Files.writeString(unknown, "1\n", StandardCharsets.UTF_8);
        assertEquals(unknown + ": error: the program has no relation files (facts files are named <relation>.csv;"
                + " its tables and events: file, reading, request, seen)",
            assertThrows(FactsException.class, () -> CsvFacts.readDirectory(dir, PROGRAM)).getMessage());
        Files.delete(unknown);

        Path view = dir.resolve("fqpath.csv");
        Files.writeString(view, "1,\"/\"\n", StandardCharsets.UTF_8);
        assertEquals(view + ": error: fqpath is a view: it holds what its rules derive, so facts go into tables"
                + " and events only",
            assertThrows(FactsException.class, () -> CsvFacts.readDirectory(dir, PROGRAM)).getMessage());
        Files.delete(view);

        Path timer = dir.resolve("tick.csv");
        Files.writeString(timer, "\n", StandardCharsets.UTF_8);
        assertEquals(timer + ": error: tick is a timer: it fires by itself",
            assertThrows(FactsException.class, () -> CsvFacts.readDirectory(dir, PROGRAM)).getMessage());
        Files.delete(timer);

        Path builtin = dir.resolve("self.csv");
        Files.writeString(builtin, "a\n", StandardCharsets.UTF_8);
        assertEquals(builtin + ": error: self is maintained by the node itself, so it cannot be loaded from a file",
            assertThrows(FactsException.class, () -> CsvFacts.readDirectory(dir, PROGRAM)).getMessage());
    }

    @Test
    void aMissingDirectoryOrInvalidUtf8IsAClearError(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("nowhere");
        assertEquals(missing + ": error: facts directory not found",
            assertThrows(FactsException.class, () -> CsvFacts.readDirectory(missing, PROGRAM)).getMessage());
        Path latin1 = dir.resolve("request.csv");
        Files.write(latin1, new byte[] {'1', (byte) 0xE9, '\n'});
        assertEquals(latin1 + ": error: the file is not UTF-8 text",
            assertThrows(FactsException.class, () -> CsvFacts.readFile(latin1, rel("request"))).getMessage());
    }
}
