package io.boomfs.chaos.history;

/**
 * An invocation paired with its completion: what the checkers work on.
 *
 * @param index    the position of its invoke line in the history (names it in reports); -1 for a
 *                 read the checker adds (the state read back at quiescence)
 * @param known    true when it completed {@code ok} (result is its result); false for {@code info}:
 *                 it may take effect at any time after its invocation, or never
 * @param returnNs when it completed; {@link Long#MAX_VALUE} when unknown (it may still take effect)
 */
public record Call(int index, long process, String f, String key, Object argument, Object result, boolean known,
                   long invokeNs, long returnNs) {

    /** One line for a report: {@code #12 p3 cas k1 [1, 2] -> true [1.200 ms .. 1.350 ms]} ({@code final} for an added read). */
    public String describe() {
        String end = returnNs == Long.MAX_VALUE ? "never returned" : ms(returnNs);
        return (index < 0 ? "final" : "#" + index) + " p" + process + " " + f + " " + key + (argument == null ? "" : " " + argument)
            + (known ? " -> " + result : " -> ? (info)") + " [" + ms(invokeNs) + " .. " + end + "]";
    }

    private static String ms(long ns) {
        return String.format(java.util.Locale.ROOT, "%.3f ms", ns / 1e6);
    }
}
