package io.boomfs.client;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What a client knows of directory ids, for hinted paths (metadata-shard/DESIGN.md, "Hinted
 * paths"): path to directory id, all as of one directory epoch of the shard. The shard starts
 * the walk of a hinted path at the directory the hint names when the hint's epoch is current,
 * and walks from the root otherwise, so a stale entry costs a walk, never a wrong answer; every
 * hinted answer tells the current epoch, and a newer one empties the cache. Bounded: the least
 * recently used entries go first. Thread-safe.
 */
final class DirCache {
    private final Map<List<String>, Long> ids;
    private long epoch = -1;

    DirCache(int capacity) {
        this.ids = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<List<String>, Long> eldest) {
                return size() > capacity;
            }
        };
    }

    /**
     * The hinted path of {@code names}: [names, epoch, id, depth] for the longest known
     * directory among its proper prefixes (the shard needs to walk to the last name's parent),
     * or the root (id 1, depth 0).
     */
    synchronized List<Object> hinted(List<String> names) {
        for (int depth = names.size() - 1; depth > 0; depth--) {
            Long id = ids.get(names.subList(0, depth));
            if (id != null) {
                return List.of(names, epoch, id, (long) depth);
            }
        }
        return List.of(names, epoch, 1L, 0L);
    }

    /**
     * The result inside a hinted answer ({@code ["@", Epoch, ParentId, Result]}), after learning
     * from it: the parent of {@code names} and, when {@code namesADir} says so of the result,
     * {@code names} itself (its id is the result's second element). Anything else is returned
     * as it is.
     */
    synchronized Object learn(List<String> names, Object answer, Predicate<List<?>> namesADir) {
        if (!(answer instanceof List<?> a) || a.size() != 4 || !"@".equals(a.get(0)) || !(a.get(1) instanceof Long e)) {
            return answer;
        }
        if (e > epoch) {
            ids.clear();
            epoch = e;
        }
        if (e == epoch) {
            if (a.get(2) instanceof Long parent && !names.isEmpty()) {
                ids.put(List.copyOf(names.subList(0, names.size() - 1)), parent);
            }
            if (a.get(3) instanceof List<?> r && r.size() > 1 && "ok".equals(r.get(0)) && r.get(1) instanceof Long id
                && !names.isEmpty() && namesADir.test(r)) {
                ids.put(List.copyOf(names), id);
            }
        }
        return a.get(3);
    }

    /** How many directories it knows (for tests). */
    synchronized int size() {
        return ids.size();
    }

    /** The epoch it holds, -1 before any answer (for tests). */
    synchronized long epoch() {
        return epoch;
    }

    /** The prefixes of {@code names} it knows (for tests). */
    synchronized List<List<String>> known(List<String> names) {
        List<List<String>> out = new ArrayList<>();
        for (int depth = 1; depth <= names.size(); depth++) {
            if (ids.containsKey(names.subList(0, depth))) {
                out.add(names.subList(0, depth));
            }
        }
        return out;
    }
}
