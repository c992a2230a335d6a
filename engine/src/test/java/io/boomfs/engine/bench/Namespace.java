package io.boomfs.engine.bench;

import io.boomfs.engine.NodeOptions;
import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.lang.Compiler;
import io.boomfs.engine.program.Program;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A realistic synthetic namespace for the benchmarks: a directory tree about six levels deep
 * with mixed fan-out (a few wide directories, many narrow ones) and files spread over its
 * directories, generated from a seed so that every run measures the same tree.
 */
public final class Namespace {
    /** The seed slides' program: the {@code file} table and the recursive {@code fqpath} view. */
    public static final String FQPATH = """
        table file(FileId: long, ParentId: long, Name: string, IsDir: bool) key(FileId).
        view fqpath(FileId: long, Path: string).
        event rm(FileId: long).
        fqpath(FileId, Path) :- file(FileId, ParentId, FName, IsDir),
            IsDir = true, ParentId = null, Path = "/".
        fqpath(FileId, Path) :- file(FileId, ParentId, FName, _),
            fqpath(ParentId, ParentPath),
            PathSep = (ParentPath == "/" ? "" : "/"),
            Path = ParentPath + PathSep + FName.
        delete file(F, P, N, D) :- rm(F), file(F, P, N, D).
        """;

    /** A join-heavy program: grandparents (a 2-way join) and great-grandparents (3-way) of every entry. */
    public static final String JOINS = """
        table file(FileId: long, ParentId: long, Name: string, IsDir: bool) key(FileId).
        view gp(FileId: long, G: long).
        view ggp(FileId: long, G: long).
        gp(F, G) :- file(F, P, _, _), file(P, G, _, _).
        ggp(F, G) :- file(F, P, _, _), file(P, Q, _, _), file(Q, G, _, _).
        """;

    /** An aggregate-heavy program: entries, bytes of names and the last name per directory. */
    public static final String AGGREGATES = """
        table file(FileId: long, ParentId: long, Name: string, IsDir: bool) key(FileId).
        view dir_entries(D: long, N: long).
        view dir_name_bytes(D: long, B: long).
        view dir_last(D: long, Last: string).
        dir_entries(D, count<F>) :- file(F, D, _, _).
        dir_name_bytes(D, sum<L>) :- file(F, D, Name, _), L = len(Name).
        dir_last(D, max<Name>) :- file(F, D, Name, _).
        """;

    /** Rows of {@code file}: id, parent id (null for the root), name, is-directory. */
    public final List<Object[]> rows = new ArrayList<>();
    public final List<Long> dirs = new ArrayList<>();

    public Namespace(int entries, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        rows.add(new Object[] {0L, null, "", true});
        dirs.add(0L);
        long next = 1;
        // Directories first: levels 1..5, fan-out drawn per directory (mostly 2-8, sometimes 30).
        List<Long> level = List.of(0L);
        int dirBudget = Math.max(16, entries / 150);
        for (int depth = 1; depth <= 5 && dirs.size() < dirBudget; depth++) {
            List<Long> nextLevel = new ArrayList<>();
            for (long parent : level) {
                int fan = rnd.nextInt(10) == 0 ? 30 : 2 + rnd.nextInt(7);
                for (int k = 0; k < fan && dirs.size() < dirBudget; k++) {
                    long id = next++;
                    rows.add(new Object[] {id, parent, "d" + k, true});
                    dirs.add(id);
                    nextLevel.add(id);
                }
            }
            level = nextLevel;
        }
        // Files: skewed over directories (a random directory, deeper ones more likely).
        while (rows.size() < entries) {
            long parent = dirs.get(dirs.size() - 1 - (int) Math.min(dirs.size() - 1, Math.abs(rnd.nextGaussian()) * dirs.size() / 3));
            rows.add(new Object[] {next, parent, "file-" + next + ".dat", false});
            next++;
        }
    }

    public static Program program(String source) {
        Compiler.Result r = Compiler.compileSource("bench.olg", source);
        if (!r.ok()) {
            throw new IllegalStateException(r.diagnostics().toString());
        }
        return r.program();
    }

    /** A node holding the whole namespace with its views derived (one step taken). */
    public OverlogNode loadedNode(String source, NodeOptions options) {
        OverlogNode n = new OverlogNode(program(source), "local", options);
        for (Object[] row : rows) {
            n.load(Tuple.wrap("file", row));
        }
        n.step(0, List.of());
        return n;
    }

    public long maxId() {
        return (Long) rows.get(rows.size() - 1)[0];
    }
}
