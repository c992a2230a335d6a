package io.boomfs.engine.bench;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The hand-written Java implementation the engine is compared with: the namespace in HashMaps
 * (id to row, parent to children) and every full path computed top-down, as a programmer would
 * write it without Overlog.
 */
public final class Baseline {
    public final Map<Long, Object[]> byId = new HashMap<>();
    public final Map<Long, List<Long>> children = new HashMap<>();
    public final Map<Long, String> paths = new HashMap<>();

    public Baseline(List<Object[]> rows) {
        for (Object[] r : rows) {
            byId.put((Long) r[0], r);
            if (r[1] != null) {
                children.computeIfAbsent((Long) r[1], k -> new ArrayList<>()).add((Long) r[0]);
            }
        }
    }

    /** Derives every path from the root down; returns how many. */
    public int deriveAll() {
        paths.clear();
        ArrayDeque<Long> queue = new ArrayDeque<>();
        paths.put(0L, "/");
        queue.add(0L);
        while (!queue.isEmpty()) {
            long dir = queue.poll();
            String parentPath = paths.get(dir);
            for (long child : children.getOrDefault(dir, List.of())) {
                String sep = parentPath.equals("/") ? "" : "/";
                paths.put(child, parentPath + sep + byId.get(child)[2]);
                queue.add(child);
            }
        }
        return paths.size();
    }
}
