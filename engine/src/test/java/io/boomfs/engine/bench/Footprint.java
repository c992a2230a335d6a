package io.boomfs.engine.bench;

import io.boomfs.engine.NodeOptions;
import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.Tuple;

import java.util.List;

/**
 * Prints the heap cost of each {@code file} tuple with its {@code fqpath} tuple and all indexes,
 * and a quick single-run timing of the bulk derivation against the HashMap baseline. Run with
 * a fixed heap and a serial collector so that "used after GC" is meaningful.
 */
public final class Footprint {
    public static void main(String[] args) {
        int entries = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        // Everything the node keeps is counted: the namespace is generated after the baseline
        // reading and dropped before the second one, so only what the node references remains.
        long base = used();
        OverlogNode node = new Namespace(entries, 42).loadedNode(Namespace.FQPATH, NodeOptions.defaults());
        long withEngine = used();
        Namespace ns = new Namespace(entries, 42);
        System.out.printf("entries=%d fqpath=%d%n", entries, node.contents("fqpath").size() == entries ? entries : -1);
        System.out.printf("engine heap per file tuple (with fqpath and indexes): %.1f bytes%n",
            (withEngine - base) / (double) entries);
        node = null;
        long base2 = used();
        Baseline b = new Baseline(new Namespace(entries, 42).rows);
        b.deriveAll();
        long withBaseline = used();
        System.out.printf("HashMap baseline heap per file (rows, maps and paths): %.1f bytes%n",
            (withBaseline - base2) / (double) entries);
        if (b.paths.size() != entries) {
            throw new IllegalStateException("baseline derived " + b.paths.size());
        }
        for (int rep = 0; rep < 3; rep++) {
            long t0 = System.nanoTime();
            OverlogNode n = new OverlogNode(Namespace.program(Namespace.FQPATH), "local", NodeOptions.defaults());
            for (Object[] row : ns.rows) {
                n.load(Tuple.wrap("file", row));
            }
            n.step(0, List.of());
            long t1 = System.nanoTime();
            Baseline bl = new Baseline(ns.rows);
            bl.deriveAll();
            long t2 = System.nanoTime();
            System.out.printf("bulk load+derive: engine %d ms, HashMap baseline %d ms, ratio %.2f%n",
                (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t1 - t0) / (double) (t2 - t1));
        }
    }

    private static long used() {
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
