package io.boomfs.deploy.topology;

import io.boomfs.deploy.fs.Sizes;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One mapping of a topology file read against its section's {@link Key}s: unknown, repeated and
 * missing keys are reported on creation, each value's type when it is read. A problem is recorded
 * in {@link Problems} (with the line and column of the offending node) and a stand-in value is
 * returned, so that one pass reports every problem of a file.
 */
final class Fields {
    /** Where problems go, with the file's name for their prefix. */
    static final class Problems {
        private final String file;
        private final List<String> lines = new ArrayList<>();

        Problems(String file) {
            this.file = file;
        }

        void add(Mark at, String path, String why) {
            // SnakeYAML counts lines and columns from 0; editors count from 1.
            String where = at == null ? file : file + ":" + (at.getLine() + 1) + ":" + (at.getColumn() + 1);
            lines.add(where + ": " + (path.isEmpty() ? "" : path + ": ") + why);
        }

        void add(Node at, String path, String why) {
            add(at == null ? null : at.getStartMark(), path, why);
        }

        List<String> lines() {
            return lines;
        }
    }

    private final Problems problems;
    private final String path;
    private final Node node;
    private final Map<String, Key> keys = new LinkedHashMap<>();
    private final Map<String, Node> values = new LinkedHashMap<>();

    /**
     * @param node the mapping (anything else is reported as a wrong type and reads as empty)
     * @param path its path in the file, {@code ""} for the document itself
     */
    Fields(Problems problems, Node node, String path, List<Key> section) {
        this.problems = problems;
        this.path = path;
        this.node = node;
        section.forEach(k -> keys.put(k.name(), k));
        if (!(node instanceof MappingNode m)) {
            problems.add(node, path, "should be a mapping of " + String.join(", ", keys.keySet()) + ", not " + kind(node));
            return;
        }
        for (NodeTuple t : m.getValue()) {
            String name = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
            if (name == null || !keys.containsKey(name)) {
                problems.add(t.getKeyNode(), join(name == null ? "?" : name), "unknown key (known here: "
                    + String.join(", ", keys.keySet()) + ")");
            } else if (values.containsKey(name)) {
                problems.add(t.getKeyNode(), join(name), "key given twice (first at line " + (values.get(name).getStartMark().getLine() + 1) + ")");
            } else {
                values.put(name, t.getValueNode());
            }
        }
        for (Key k : section) {
            if (k.required() && !values.containsKey(k.name())) {
                problems.add(node, path, "missing key " + k.name() + " (" + k.description() + ")");
            }
        }
    }

    String join(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    /** The node of a key, for problems found later (duplicates across the file). */
    Node nodeOf(String name) {
        return values.getOrDefault(name, node);
    }

    String string(String name, Supplier<String> dflt) {
        Node v = values.get(name);
        if (v == null) {
            return dflt.get();
        }
        if (v instanceof ScalarNode s && !s.getValue().isBlank()) {
            return s.getValue();
        }
        problems.add(v, join(name), "should be " + keys.get(name).type() + ", not " + kind(v));
        return dflt.get();
    }

    String string(String name) {
        return string(name, () -> keys.get(name).defaultValue() == null ? "" : keys.get(name).defaultValue());
    }

    long number(String name, long min, long max, LongSupplier dflt) {
        Node v = values.get(name);
        if (v == null) {
            return dflt.getAsLong();
        }
        Long n = v instanceof ScalarNode s ? parseLong(s.getValue()) : null;
        if (n == null) {
            problems.add(v, join(name), "should be a whole number (" + keys.get(name).type() + "), not " + kind(v));
            return dflt.getAsLong();
        }
        if (n < min || n > max) {
            problems.add(v, join(name), n + " is out of range " + min + ".." + max);
            return dflt.getAsLong();
        }
        return n;
    }

    long number(String name, long min, long max) {
        return number(name, min, max, () -> keys.get(name).required() ? min : Long.parseLong(keys.get(name).defaultValue()));
    }

    int port(String name, LongSupplier dflt) {
        return (int) number(name, 1, 65535, dflt);
    }

    boolean bool(String name) {
        Node v = values.get(name);
        boolean dflt = Boolean.parseBoolean(keys.get(name).defaultValue());
        if (v == null) {
            return dflt;
        }
        if (v instanceof ScalarNode s && (s.getValue().equals("true") || s.getValue().equals("false"))) {
            return s.getValue().equals("true");
        }
        problems.add(v, join(name), "should be true or false, not " + kind(v));
        return dflt;
    }

    /** A size in bytes: a number with an optional K, M, G or T (powers of 1024). */
    long size(String name, long max) {
        Key k = keys.get(name);
        long dflt = parseSize(k.defaultValue());
        Node v = values.get(name);
        if (v == null) {
            return dflt;
        }
        long n = v instanceof ScalarNode s ? parseSize(s.getValue()) : -1;
        if (n <= 0 || n > max) {
            problems.add(v, join(name), "should be a size from 1 byte to " + max + " bytes (512M, 10G, ...), not " + kind(v));
            return dflt;
        }
        return n;
    }

    /** A list: its items, each with its path ({@code groups[1]}). */
    List<Map.Entry<String, Node>> list(String name) {
        Node v = values.get(name);
        List<Map.Entry<String, Node>> items = new ArrayList<>();
        if (v == null || isNull(v)) {
            return items;
        }
        if (!(v instanceof SequenceNode s)) {
            problems.add(v, join(name), "should be a list, not " + kind(v));
            return items;
        }
        for (int i = 0; i < s.getValue().size(); i++) {
            items.add(Map.entry(join(name) + "[" + i + "]", s.getValue().get(i)));
        }
        return items;
    }

    /** Whether the key holds a list, or nothing: a key with nothing after it ({@code datanodes:}) is an empty list. */
    boolean isList(String name) {
        Node v = values.get(name);
        return v instanceof SequenceNode || v != null && isNull(v);
    }

    private static boolean isNull(Node v) {
        return v instanceof ScalarNode n && n.getTag().equals(Tag.NULL);
    }

    /** A mapping of names to whole numbers. */
    Map<String, Long> numbers(String name) {
        Map<String, Long> out = new LinkedHashMap<>();
        Node v = values.get(name);
        if (v == null) {
            return out;
        }
        if (!(v instanceof MappingNode m)) {
            problems.add(v, join(name), "should be a mapping of NAME: whole number, not " + kind(v));
            return out;
        }
        for (NodeTuple t : m.getValue()) {
            String key = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : "?";
            Long n = t.getValueNode() instanceof ScalarNode s ? parseLong(s.getValue()) : null;
            if (n == null || n < 0) {
                problems.add(t.getValueNode(), join(name) + "." + key, "should be a whole number, 0 or more, not " + kind(t.getValueNode()));
            } else if (out.put(key, n) != null) {
                problems.add(t.getKeyNode(), join(name) + "." + key, "key given twice");
            }
        }
        return out;
    }

    /** A mapping under a key, read against {@code section} (an absent one reads as empty). */
    Fields section(String name, List<Key> section) {
        Node v = values.get(name);
        return v == null ? new Fields(problems, new MappingNode(Tag.MAP, List.of(), DumperOptions.FlowStyle.AUTO), join(name), section)
            : new Fields(problems, v, join(name), section);
    }

    /** A problem with a key's value, at the key's value (or at the mapping, for a defaulted key). */
    void problem(String name, String why) {
        problems.add(nodeOf(name), join(name), why);
    }

    private static Long parseLong(String s) {
        try {
            return Long.parseLong(s.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** A size, or -1 when it is not one. */
    private static long parseSize(String v) {
        try {
            return Sizes.parse(v);
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    /** What a node holds, in words, for messages. */
    static String kind(Node n) {
        if (n instanceof ScalarNode s) {
            return s.getValue().isEmpty() ? "nothing" : "\"" + s.getValue() + "\"";
        }
        return n instanceof SequenceNode ? "a list" : n instanceof MappingNode ? "a mapping" : "nothing";
    }
}
