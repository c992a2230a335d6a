package io.boomfs.engine.runtime;

import io.boomfs.engine.Values;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.program.Relation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The wire view of a program: for each relation that may cross the network, a 64-bit schema
 * fingerprint of its name, arity and column types. Two programs that declare a message the same
 * way interoperate even when their rules differ (a proposer and an acceptor importing one
 * protocol file); a frame whose relation is declared differently on each side is refused.
 */
public final class Schemas {
    private final Program program;
    private final Map<String, Long> fingerprints = new HashMap<>();

    public Schemas(Program program) {
        this.program = program;
        for (Relation r : program.relations()) {
            fingerprints.put(r.name, fingerprint(r));
        }
    }

    public Program program() {
        return program;
    }

    /** Fingerprint of one relation's wire shape: its name and column types, in order. */
    public static long fingerprint(Relation r) {
        List<Object> shape = new ArrayList<>(r.arity() + 1);
        shape.add(r.name);
        for (int i = 0; i < r.arity(); i++) {
            shape.add(r.types[i].text());
        }
        return Values.hash(shape);
    }

    /** The fingerprint of a relation of this program, or null when it has none by that name. */
    public Long fingerprint(String relation) {
        return fingerprints.get(relation);
    }

    /** Why a relation cannot receive tuples from the network, or null when it can. */
    public String whyNotReceivable(Relation r) {
        if (r.internal) {
            return "unknown relation " + r.name;
        }
        if (r.kind == Relation.Kind.BUILTIN) {
            return r.name + " is maintained by the node itself";
        }
        if (r.isTimer()) {
            return r.name + " is a timer";
        }
        if (r.kind == Relation.Kind.VIEW) {
            return "view " + r.name + " cannot receive tuples";
        }
        return null;
    }

    /** Combines the fingerprints of a frame's relations, in frame order, into the frame's. */
    public static long combine(long[] relationFingerprints, int count) {
        long h = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < count; i++) {
            h = (h ^ relationFingerprints[i]) * 0x100000001b3L;
            h ^= h >>> 29;
        }
        return h;
    }
}
