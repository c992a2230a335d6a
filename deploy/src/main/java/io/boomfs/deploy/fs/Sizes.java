package io.boomfs.deploy.fs;

import picocli.CommandLine;

import java.util.Locale;

/** Byte counts as people write them ({@code 64K}, {@code 1M}: powers of 1024) and read them ({@code 1.5M}). */
public final class Sizes {
    private static final String UNITS = "KMGTPE";

    private Sizes() {
    }

    /**
     * {@code n}, or {@code n} followed by K, M, G or T.
     *
     * @throws IllegalArgumentException not such a number, or past a long
     */
    public static long parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        int shift = 0;
        int unit = t.isEmpty() ? -1 : UNITS.indexOf(t.charAt(t.length() - 1));
        if (unit >= 0 && unit < 4) {
            shift = 10 * (unit + 1);
            t = t.substring(0, t.length() - 1);
        }
        try {
            long n = Long.parseLong(t);
            if (n < 0 || n > Long.MAX_VALUE >> shift) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a size (bytes, or a number with K, M, G or T)");
        }
    }

    /** {@code 1023}, {@code 1.0K}, {@code 64.0M}: one decimal past the largest unit that fits. */
    public static String human(long bytes) {
        if (bytes < 1024) {
            return Long.toString(bytes);
        }
        int unit = 0;
        double v = bytes / 1024.0;
        while (v >= 1024 && unit < UNITS.length() - 1) {
            v /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f%c", v, UNITS.charAt(unit));
    }

    /** picocli's converter for size options. */
    static final class Converter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
