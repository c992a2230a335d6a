package io.boomfs.engine.bench;

import io.boomfs.engine.NodeOptions;
import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.StepResult;
import io.boomfs.engine.Tuple;

import java.util.List;

/**
 * What the step benchmarks share: a node holding a generated namespace with its views derived,
 * a clock, fresh file ids, and parent directories picked in a fixed stride (so that every run
 * inserts into the same directories in the same order).
 */
final class LoadedNamespace {
    final Namespace ns;
    final OverlogNode node;
    private long nextId;
    private long now = 1;
    private int dirIndex;

    LoadedNamespace(int entries, String program) {
        ns = new Namespace(entries, 42);
        node = ns.loadedNode(program, NodeOptions.defaults());
        nextId = ns.maxId() + 1;
    }

    long parent() {
        dirIndex = (dirIndex + 7919) % ns.dirs.size();
        return ns.dirs.get(dirIndex);
    }

    long freshId() {
        return nextId++;
    }

    StepResult step(List<Tuple> inbound) {
        return node.step(now++, inbound);
    }

    /** One step inserting a new file (a named prefix tells the benchmarks' files apart). */
    long insertFile(String prefix) {
        long id = freshId();
        step(List.of(new Tuple("file", id, parent(), prefix + id, false)));
        return id;
    }
}
