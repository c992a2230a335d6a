package io.boomfs.deploy.node;

import java.util.HashSet;
import java.util.Set;

/**
 * Prometheus's text exposition format (version 0.0.4), written metric by metric: a
 * {@code # HELP} and {@code # TYPE} line before a metric's first sample, then one line a sample,
 * {@code name{label="value",...} number}. Every sample also carries the node's labels
 * ({@code node}, {@code cluster}), so that the samples of several nodes can be merged.
 */
public final class PromText {
    private final StringBuilder sb = new StringBuilder();
    private final Set<String> described = new HashSet<>();
    private final String nodeLabels;

    public PromText(String cluster, String node) {
        this.nodeLabels = "cluster=\"" + escape(cluster) + "\",node=\"" + escape(node) + "\"";
    }

    /** A counter (only ever grows; named {@code ..._total}). */
    public PromText counter(String name, String help, long value, String... labels) {
        return sample(name, "counter", help, Long.toString(value), labels);
    }

    /** A gauge (goes up and down). */
    public PromText gauge(String name, String help, double value, String... labels) {
        String v = value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
        return sample(name, "gauge", help, v, labels);
    }

    /** @param labels name, value, name, value... */
    private PromText sample(String name, String type, String help, String value, String... labels) {
        if (described.add(name)) {
            sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
            sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        }
        sb.append(name).append('{').append(nodeLabels);
        for (int i = 0; i + 1 < labels.length; i += 2) {
            sb.append(',').append(labels[i]).append("=\"").append(escape(labels[i + 1])).append('"');
        }
        sb.append("} ").append(value).append('\n');
        return this;
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
