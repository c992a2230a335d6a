package io.boomfs.chaos.check;

import io.boomfs.chaos.history.Call;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One directory of the namespace as a sequential object: its children, each a file or a
 * directory, as metadata-shard/DESIGN.md and namespace.olg define the ops on them. The calls
 * (key: the directory's path; argument: a child's name) and their results ({@code "ok"} or the
 * shard's error code):
 * <ul>
 *   <li>{@code create N}: ok and a new file; EXISTS over a file, IS_DIR over a directory;</li>
 *   <li>{@code mkdir N} (mkdirs of the child): ok, also when a directory is there; NOT_DIR over a file;</li>
 *   <li>{@code delete N} (recursive): ok and gone; NOT_FOUND;</li>
 *   <li>{@code rename [A, B]} (both in this directory): ok and A is now B; NOT_FOUND without A,
 *       EXISTS when B is there (A = B included);</li>
 *   <li>{@code list}: the names in order, a directory's with a trailing {@code /}.</li>
 * </ul>
 *
 * <p>Why one directory is an object of its own (linearizability is local: Herlihy and Wing 1990,
 * theorem 1, so a history is linearizable when each object's sub-history is): every op above
 * reads or writes only the entries whose parent is this directory; a directory made here stays
 * empty (no op names a path below it), so deleting it never reaches another directory; the
 * directory itself is made before the run and never removed. Ops that span two directories (a
 * rename between them) would join two objects into one: the workload does not issue them.
 */
public final class DirectoryModel implements Model<DirectoryModel.Children> {
    /** A directory's children: name to is-a-directory, in name order. Immutable. */
    public record Children(Map<String, Boolean> byName) {
        public Children {
            byName = java.util.Collections.unmodifiableMap(new TreeMap<>(byName));
        }

        /** The listing as the workload records it: names in order, directories with a trailing '/'. */
        public List<String> listing() {
            List<String> l = new ArrayList<>();
            byName.forEach((n, dir) -> l.add(dir ? n + "/" : n));
            return l;
        }

        Children with(String name, boolean dir) {
            Map<String, Boolean> m = new TreeMap<>(byName);
            m.put(name, dir);
            return new Children(m);
        }

        Children without(String name) {
            Map<String, Boolean> m = new TreeMap<>(byName);
            m.remove(name);
            return new Children(m);
        }

        @Override
        public String toString() {
            return listing().toString();
        }
    }

    @Override
    public Children initial() {
        return new Children(Map.of());
    }

    /** The directory's children after {@code c} and the result it returns there. */
    private record Effect(Children after, Object result) {
    }

    @Override
    public List<Children> step(Children state, Call c) {
        Effect e = apply(state, c);
        return !c.known() || Objects.equals(e.result(), c.result()) ? List.of(e.after()) : List.of();
    }

    private static Effect apply(Children s, Call c) {
        if (c.f().equals("list")) {
            return new Effect(s, s.listing());
        }
        if (c.f().equals("rename")) {
            if (!(c.argument() instanceof List<?> a) || a.size() != 2) {
                throw new IllegalArgumentException(c.describe() + ": a rename argument is [from, to]");
            }
            String from = (String) a.get(0);
            String to = (String) a.get(1);
            Boolean dir = s.byName().get(from);
            if (dir == null) {
                return new Effect(s, "NOT_FOUND");
            }
            return s.byName().containsKey(to) ? new Effect(s, "EXISTS") : new Effect(s.without(from).with(to, dir), "ok");
        }
        String name = (String) c.argument();
        Boolean there = s.byName().get(name);
        return switch (c.f()) {
            case "create" -> there == null ? new Effect(s.with(name, false), "ok") : new Effect(s, there ? "IS_DIR" : "EXISTS");
            case "mkdir" -> there == null ? new Effect(s.with(name, true), "ok") : new Effect(s, there ? "ok" : "NOT_DIR");
            case "delete" -> there == null ? new Effect(s, "NOT_FOUND") : new Effect(s.without(name), "ok");
            default -> throw new IllegalArgumentException(c.describe() + ": a directory has create, mkdir, delete, rename and list, not "
                + c.f());
        };
    }
}
