package io.boomfs.engine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.RandomAccess;
import java.util.Set;
import java.util.SortedSet;

/**
 * Operations on Overlog values shared by every part of the engine: the canonical text form,
 * a total order (used by sorted output and by {@code min}/{@code max}), and the one stable
 * 64-bit {@link #hash(Object)} that partitioning and the {@code hash()} built-in use.
 */
public final class Values {
    private Values() {
    }

    /**
     * Total order: null, false, true, numbers (by value), strings, lists, sets, then any other
     * value by its text. Lists compare element by element, a proper prefix first; sets compare
     * likewise over their elements in this order.
     */
    public static final Comparator<Object> ORDER = Values::compare;

    /** The order of {@link #ORDER}: negative, zero or positive as a is before, equal to or after b. */
    public static int compare(Object a, Object b) {
        // The common pairs first, in the order rank() gives them (a list of 100 entries sorted
        // by name spent 45 ns a comparison in rank's type tests: a third of a leader's list).
        if (a instanceof String x && b instanceof String y) {
            return x.compareTo(y);
        }
        if (a instanceof Long x && b instanceof Long y) {
            return Long.compare(x, y);
        }
        if (a instanceof ValueList x && b instanceof ValueList y) {
            return compareElements(x, y);
        }
        int ra = rank(a);
        int rb = rank(b);
        if (ra != rb) {
            return Integer.compare(ra, rb);
        }
        switch (ra) {
            case 0:
                return 0;
            case 1:
                return Boolean.compare((Boolean) a, (Boolean) b);
            case 2:
                if (a instanceof Long x && b instanceof Long y) {
                    return Long.compare(x, y);
                }
                int c = Double.compare(((Number) a).doubleValue(), ((Number) b).doubleValue());
                return c != 0 ? c : Boolean.compare(a instanceof Double, b instanceof Double);
            case 3:
                return ((String) a).compareTo((String) b);
            case 4:
                return compareElements((Collection<?>) a, (Collection<?>) b);
            case 5:
                return compareElements(inOrder((Set<?>) a), inOrder((Set<?>) b));
            default:
                return format(a).compareTo(format(b));
        }
    }

    /** Lexicographic: the first unequal pair of elements decides, else the shorter is first. */
    private static int compareElements(Collection<?> a, Collection<?> b) {
        if (a instanceof List<?> la && b instanceof List<?> lb && a instanceof RandomAccess && b instanceof RandomAccess) {
            int n = Math.min(la.size(), lb.size());
            for (int i = 0; i < n; i++) {
                int c = compare(la.get(i), lb.get(i));
                if (c != 0) {
                    return c;
                }
            }
            return Integer.compare(la.size(), lb.size());
        }
        Iterator<?> ia = a.iterator();
        Iterator<?> ib = b.iterator();
        while (ia.hasNext() && ib.hasNext()) {
            int c = compare(ia.next(), ib.next());
            if (c != 0) {
                return c;
            }
        }
        return Boolean.compare(ia.hasNext(), ib.hasNext());
    }

    /**
     * A set's elements in {@link #ORDER}. Every set the engine builds (set<X>, set(), decoded
     * frames) is a sorted set on ORDER and is read as it is; a set from elsewhere (a registered
     * function, a host) is sorted first, so that equal sets compare equal whatever their
     * iteration order.
     */
    private static Collection<?> inOrder(Set<?> s) {
        if (s instanceof SortedSet<?> sorted && sorted.comparator() == ORDER) {
            return s;
        }
        List<Object> l = new ArrayList<>(s);
        l.sort(ORDER);
        return l;
    }

    private static int rank(Object v) {
        if (v == null) {
            return 0;
        }
        if (v instanceof Boolean) {
            return 1;
        }
        if (v instanceof Long || v instanceof Double) {
            return 2;
        }
        if (v instanceof String) {
            return 3;
        }
        if (v instanceof Set) {
            return 5;
        }
        // Any other collection prints and hashes as a list, so it orders as one.
        if (v instanceof Collection) {
            return 4;
        }
        return 6;
    }

    public static String formatTuple(String relation, Object[] values) {
        StringBuilder sb = new StringBuilder(relation.length() + 8 * values.length);
        sb.append(relation).append('(');
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            appendValue(sb, values[i]);
        }
        return sb.append(')').toString();
    }

    public static String format(Object v) {
        StringBuilder sb = new StringBuilder();
        appendValue(sb, v);
        return sb.toString();
    }

    public static void appendValue(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String s) {
            appendQuoted(sb, s);
        } else if (v instanceof Collection<?> c) {
            sb.append(v instanceof Set ? '{' : '[');
            boolean first = true;
            for (Object e : c) {
                if (!first) {
                    sb.append(", ");
                }
                first = false;
                appendValue(sb, e);
            }
            sb.append(v instanceof Set ? '}' : ']');
        } else {
            sb.append(v);
        }
    }

    public static void appendQuoted(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> sb.append(ch);
            }
        }
        sb.append('"');
    }

    /**
     * An upper bound of the bytes a tuple takes on the wire: the relation name, a tag and up to
     * eight bytes per value, strings as UTF-8 (at most three bytes a char) with a length.
     */
    public static long estimatedSize(String relation, Object[] values) {
        long n = 4 + 3L * relation.length();
        for (Object v : values) {
            n += estimatedSize(v);
        }
        return n;
    }

    /** An upper bound on the wire size of one value (strings counted at 3 bytes a character). */
    public static long estimatedSize(Object v) {
        if (v instanceof String s) {
            return 5 + 3L * s.length();
        }
        if (v instanceof ValueList l) {
            return l.estimatedSize();
        }
        if (v instanceof Collection<?> c) {
            long n = 5;
            for (Object e : c) {
                n += estimatedSize(e);
            }
            return n;
        }
        return v == null || v instanceof Boolean ? 1 : v instanceof Long || v instanceof Double ? 9 : 5 + 3L * format(v).length();
    }

    /**
     * The one stable 64-bit hash of a value (FNV-1a over a canonical encoding, finished with a
     * 64-bit mixer). It depends only on the value, never on the JVM or the platform, so every
     * node, client and tool computes the same partition for the same value.
     */
    public static long hash(Object v) {
        long h = 0xcbf29ce484222325L;
        h = hashInto(h, v);
        return mix(h);
    }

    /** Hash of several values, as {@code hash} of the list of them (without making the list). */
    public static long hashAll(Object... vs) {
        long h = fnvByte(0xcbf29ce484222325L, 5);
        for (Object v : vs) {
            h = hashInto(h, v);
        }
        return mix(fnvByte(h, 0xfe));
    }

    private static long hashInto(long h, Object v) {
        if (v == null) {
            return fnvByte(h, 0);
        }
        if (v instanceof Long l) {
            h = fnvByte(h, 1);
            return fnvLong(h, l);
        }
        if (v instanceof Double d) {
            h = fnvByte(h, 2);
            return fnvLong(h, Double.doubleToLongBits(d == 0.0 ? 0.0 : d));
        }
        if (v instanceof Boolean b) {
            return fnvByte(fnvByte(h, 3), b ? 1 : 0);
        }
        if (v instanceof String s) {
            return fnvByte(fnvUtf8(fnvByte(h, 4), s), 0xff);
        }
        if (v instanceof Collection<?> c) {
            h = fnvByte(h, 5);
            for (Object e : c) {
                h = hashInto(h, e);
            }
            return fnvByte(h, 0xfe);
        }
        return hashInto(h, format(v));
    }

    /**
     * The string's UTF-8 bytes hashed as {@code getBytes(UTF_8)} gives them (an unpaired
     * surrogate as '?'), without making the array: a move bucket's key hashes a name on every
     * row that enters its index.
     */
    private static long fnvUtf8(long h, String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                h = fnvByte(h, c);
            } else if (c < 0x800) {
                h = fnvByte(fnvByte(h, 0xc0 | (c >> 6)), 0x80 | (c & 0x3f));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                h = fnvByte(fnvByte(h, 0xf0 | (cp >> 18)), 0x80 | ((cp >> 12) & 0x3f));
                h = fnvByte(fnvByte(h, 0x80 | ((cp >> 6) & 0x3f)), 0x80 | (cp & 0x3f));
            } else if (Character.isSurrogate(c)) {
                h = fnvByte(h, '?');
            } else {
                h = fnvByte(fnvByte(fnvByte(h, 0xe0 | (c >> 12)), 0x80 | ((c >> 6) & 0x3f)), 0x80 | (c & 0x3f));
            }
        }
        return h;
    }

    private static long fnvByte(long h, int b) {
        return (h ^ b) * 0x100000001b3L;
    }

    private static long fnvLong(long h, long v) {
        for (int i = 0; i < 8; i++) {
            h = fnvByte(h, (int) (v >>> (i * 8)) & 0xff);
        }
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
