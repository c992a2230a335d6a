package io.boomfs.meta;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The sequential specification of users and permissions (DESIGN.md, "Users and permissions")
 * over {@link NamespaceModel}: each path's owner and mode, and the right each op needs, checked
 * before the op does anything. {@link #apply} returns "ok" or an error code, PERMISSION when a
 * right is missing.
 */
final class PermissionModel {
    private final NamespaceModel names = new NamespaceModel();
    /** Owner and mode of every path (the root is the empty list). */
    private final Map<List<String>, Object[]> attrs = new HashMap<>();
    private final Map<String, List<String>> groups;
    private final Set<String> supers;

    PermissionModel(Map<String, List<String>> groups, Set<String> supers) {
        this(groups, supers, "root", 493L);
    }

    /** A model whose root (a subtree of a bigger tree) has {@code owner} and {@code mode}. */
    PermissionModel(Map<String, List<String>> groups, Set<String> supers, String owner, long mode) {
        this.groups = groups;
        this.supers = supers;
        attrs.put(List.of(), new Object[] {owner, mode});
    }

    /**
     * The code of what {@code user} doing {@code op} gives. With several groups ({@code
     * destinationElsewhere}), a rename whose only missing right is on its destination's directory
     * may find another error first (that directory's group checks the right when the rename
     * prepares there): the answer is then "PERMISSION|CODE", either.
     */
    @SuppressWarnings("unchecked")
    String apply(String user, List<Object> op, boolean destinationElsewhere) {
        String kind = (String) op.get(0);
        List<String> p = (List<String>) op.get(1);
        if (MetaShard.pathError(p) != null || kind.equals("rename") && MetaShard.pathError(op.get(2)) != null) {
            return "INVALID_PATH";
        }
        if (!supers.contains(user) && denied(user, kind, op, true)) {
            return "PERMISSION";
        }
        if (!supers.contains(user) && kind.equals("rename") && denied(user, kind, op, false)) {
            String code = names.copy().apply(op);
            return code.equals("ok") || !destinationElsewhere ? "PERMISSION" : "PERMISSION|" + code;
        }
        TreeMap<List<String>, Boolean> before = names.tree();
        if (kind.equals("open")) {
            // NamespaceModel has no open: a stat that must end at a file.
            String code = names.apply(List.of("stat", p));
            return code.equals("ok") && (p.isEmpty() || before.get(p)) ? "IS_DIR" : code;
        }
        String code = names.apply(op);
        if (code.equals("ok")) {
            follow(user, kind, op, before);
        }
        return code;
    }

    @SuppressWarnings("unchecked")
    private void follow(String user, String kind, List<Object> op, TreeMap<List<String>, Boolean> before) {
        List<String> p = (List<String>) op.get(1);
        TreeMap<List<String>, Boolean> after = names.tree();
        switch (kind) {
            case "mkdirs" -> after.keySet().stream().filter(q -> !before.containsKey(q))
                .forEach(q -> attrs.put(q, new Object[] {user, q.size() < p.size() ? Access.parentMode((Long) op.get(2)) : op.get(2)}));
            case "create" -> attrs.put(p, new Object[] {user, op.get(6)});
            case "delete" -> attrs.keySet().removeIf(q -> !q.isEmpty() && !after.containsKey(q));
            case "rename" -> {
                List<String> dst = (List<String>) op.get(2);
                Map<List<String>, Object[]> moved = new HashMap<>();
                attrs.forEach((q, a) -> {
                    if (q.size() >= p.size() && q.subList(0, p.size()).equals(p)) {
                        List<String> to = new ArrayList<>(dst);
                        to.addAll(q.subList(p.size(), q.size()));
                        moved.put(to, a);
                    }
                });
                attrs.keySet().removeIf(q -> q.size() >= p.size() && q.subList(0, p.size()).equals(p));
                attrs.putAll(moved);
            }
            case "setattr" -> {
                Object[] a = attrs.get(p);
                if (op.get(2) != null) {
                    a[1] = op.get(2);
                }
                if (op.get(3) != null) {
                    a[0] = op.get(3);
                }
            }
            default -> { }
        }
    }

    /** The code of what {@code user} doing {@code op} gives, in a group of its own. */
    String apply(String user, List<Object> op) {
        return apply(user, op, false);
    }

    /**
     * Whether a right the op needs is missing (the rules' ns_need and ns_deny); {@code local}:
     * leaving out a rename's destination directory.
     */
    @SuppressWarnings("unchecked")
    private boolean denied(String u, String kind, List<Object> op, boolean local) {
        List<String> p = (List<String>) op.get(1);
        TreeMap<List<String>, Boolean> tree = names.tree();
        tree.put(List.of(), true);
        List<List<String>> walked = new ArrayList<>(List.of(p));
        if (kind.equals("rename")) {
            walked.add((List<String>) op.get(2));
        }
        for (List<String> w : walked) {
            // Execute on every directory the walk goes through, down to the last that exists.
            for (int d = 0; d < w.size() && Boolean.TRUE.equals(tree.get(w.subList(0, d))); d++) {
                if (!may(u, w.subList(0, d), 1)) {
                    return true;
                }
            }
        }
        Boolean self = tree.get(p);
        List<String> parent = p.isEmpty() ? null : p.subList(0, p.size() - 1);
        boolean parentDir = parent != null && Boolean.TRUE.equals(tree.get(parent));
        switch (kind) {
            case "list":
                return Boolean.TRUE.equals(self) && !may(u, p, 4);
            case "open":
                return Boolean.FALSE.equals(self) && !may(u, p, 4);
            case "mkdirs": {
                // Where the walk ends: at a missing name, or at a file (no right needed there).
                int d = 0;
                while (d < p.size() && Boolean.TRUE.equals(tree.get(p.subList(0, d))) && tree.containsKey(p.subList(0, d + 1))) {
                    d++;
                }
                return d < p.size() && Boolean.TRUE.equals(tree.get(p.subList(0, d))) && !may(u, p.subList(0, d), 3);
            }
            case "create":
                return parentDir && !may(u, parent, 3) || Boolean.FALSE.equals(self) && !may(u, p, 2);
            case "delete":
                return self != null && parentDir && !may(u, parent, 3);
            case "rename": {
                List<String> dst = (List<String>) op.get(2);
                List<String> dstParent = dst.isEmpty() ? null : dst.subList(0, dst.size() - 1);
                return parentDir && !may(u, parent, 3) || !local && dstParent != null && Boolean.TRUE.equals(tree.get(dstParent))
                    && !may(u, dstParent, 3);
            }
            case "setattr": {
                if (op.get(3) != null) {
                    return true;
                }
                if (self == null) {
                    return false;
                }
                Object[] a = attrs.get(p);
                return (op.get(4) != null || op.get(5) != null) && !may(u, p, 2)
                    || op.get(2) != null && !Access.ownerUser((String) a[0]).equals(u);
            }
            default:
                return false;
        }
    }

    private boolean may(String u, List<String> path, long want) {
        Object[] a = attrs.get(path);
        return Access.may((Long) a[1], (String) a[0], u, groups.getOrDefault(u, List.of()), want);
    }

    TreeMap<List<String>, Boolean> tree() {
        return names.tree();
    }

    /** Owner and mode of {@code path}. */
    Object[] attrs(List<String> path) {
        return attrs.get(path);
    }
}
