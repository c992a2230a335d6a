package io.boomfs.meta;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sequential specification of namespace.olg's ops, as a plain tree of paths: what the
 * model-based test replays the agreed history against. Results compare by their code only
 * (ids and messages are the rules' own); {@link #apply} returns "ok" or the error code.
 */
final class NamespaceModel {
    /** Every path that exists (the root is the empty list), and whether it is a directory. */
    private final TreeMap<List<String>, Boolean> paths = new TreeMap<>(NamespaceModel::compare);

    NamespaceModel() {
        paths.put(List.of(), true);
    }

    /** A copy to try an op on. */
    NamespaceModel copy() {
        NamespaceModel m = new NamespaceModel();
        m.paths.putAll(paths);
        return m;
    }

    static int compare(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    /** The code of what the op gives: "ok" or an error code. */
    @SuppressWarnings("unchecked")
    String apply(List<Object> op) {
        String kind = (String) op.get(0);
        if (kind.equals("gc")) {
            // The leader's housekeeping (collection of deleted subtrees): no change a client sees.
            return "ok";
        }
        List<String> p = (List<String>) op.get(1);
        if (MetaShard.pathError(p) != null) {
            return "INVALID_PATH";
        }
        switch (kind) {
            case "mkdirs": {
                for (int d = 1; d <= p.size(); d++) {
                    Boolean isDir = paths.get(p.subList(0, d));
                    if (Boolean.FALSE.equals(isDir)) {
                        return "NOT_DIR";
                    }
                }
                for (int d = 1; d <= p.size(); d++) {
                    paths.putIfAbsent(new ArrayList<>(p.subList(0, d)), true);
                }
                return "ok";
            }
            case "create": {
                if (p.isEmpty()) {
                    return "IS_DIR";
                }
                String parent = parentProblem(p);
                if (parent != null) {
                    return parent;
                }
                Boolean existing = paths.get(p);
                if (Boolean.TRUE.equals(existing)) {
                    return "IS_DIR";
                }
                if (Boolean.FALSE.equals(existing) && !Boolean.TRUE.equals(op.get(2))) {
                    return "EXISTS";
                }
                paths.put(p, false);
                return "ok";
            }
            case "delete": {
                if (p.isEmpty()) {
                    return "INVALID_PATH";
                }
                String missing = missing(p);
                if (missing != null) {
                    return missing;
                }
                boolean dir = paths.get(p);
                if (dir && !Boolean.TRUE.equals(op.get(2)) && !children(p).isEmpty()) {
                    return "NOT_EMPTY";
                }
                paths.keySet().removeIf(q -> startsWith(q, p));
                return "ok";
            }
            case "rename": {
                List<String> dst = (List<String>) op.get(2);
                if (MetaShard.pathError(dst) != null) {
                    return "INVALID_PATH";
                }
                if (p.isEmpty()) {
                    return "INVALID_PATH";
                }
                String missing = missing(p);
                if (missing != null) {
                    return missing;
                }
                if (dst.size() > p.size() && startsWith(dst, p)) {
                    return "INVALID_PATH";
                }
                if (paths.containsKey(dst)) {
                    return "EXISTS";
                }
                String parent = parentProblem(dst);
                if (parent != null) {
                    return parent;
                }
                Map<List<String>, Boolean> moved = new TreeMap<>(NamespaceModel::compare);
                for (Map.Entry<List<String>, Boolean> e : paths.entrySet()) {
                    if (startsWith(e.getKey(), p)) {
                        List<String> q = new ArrayList<>(dst);
                        q.addAll(e.getKey().subList(p.size(), e.getKey().size()));
                        moved.put(q, e.getValue());
                    }
                }
                paths.keySet().removeIf(q -> startsWith(q, p));
                paths.putAll(moved);
                return "ok";
            }
            case "stat":
            case "setattr": {
                String missing = missing(p);
                return missing != null ? missing : "ok";
            }
            case "list": {
                String missing = missing(p);
                if (missing != null) {
                    return missing;
                }
                return paths.get(p) ? "ok" : "NOT_DIR";
            }
            default:
                return "INVALID_OP";
        }
    }

    /** NOT_FOUND or NOT_DIR when the path does not exist, with the walk's reason; null when it does. */
    private String missing(List<String> p) {
        for (int d = 1; d <= p.size(); d++) {
            Boolean up = paths.get(p.subList(0, d - 1));
            if (Boolean.FALSE.equals(up)) {
                return "NOT_DIR";
            }
            if (!paths.containsKey(p.subList(0, d))) {
                return "NOT_FOUND";
            }
        }
        return null;
    }

    private String parentProblem(List<String> p) {
        return missing(p.subList(0, p.size() - 1)) != null ? missing(p.subList(0, p.size() - 1))
            : paths.get(p.subList(0, p.size() - 1)) ? null : "NOT_DIR";
    }

    List<List<String>> children(List<String> p) {
        List<List<String>> out = new ArrayList<>();
        for (List<String> q : paths.keySet()) {
            if (q.size() == p.size() + 1 && startsWith(q, p)) {
                out.add(q);
            }
        }
        return out;
    }

    private static boolean startsWith(List<String> q, List<String> p) {
        return q.size() >= p.size() && q.subList(0, p.size()).equals(p);
    }

    /** Every path below the root with whether it is a directory, in path order. */
    TreeMap<List<String>, Boolean> tree() {
        TreeMap<List<String>, Boolean> t = new TreeMap<>(paths);
        t.remove(List.of());
        return t;
    }
}
