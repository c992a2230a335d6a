package io.boomfs.engine.lang;

import java.util.Locale;

/** The column and expression types of Overlog. */
public enum Type {
    LONG, DOUBLE, STRING, BOOL, ADDR, ANY;

    public static Type parse(String s) {
        for (Type t : values()) {
            if (t.text().equals(s)) {
                return t;
            }
        }
        return null;
    }

    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether a value of type {@code other} may be stored where this type is declared. */
    public boolean accepts(Type other) {
        if (this == ANY || other == ANY || this == other) {
            return true;
        }
        return (this == ADDR && other == STRING) || (this == STRING && other == ADDR);
    }

    public boolean isNumeric() {
        return this == LONG || this == DOUBLE;
    }

    /** Whether a runtime value fits this type. */
    public boolean admits(Object v) {
        if (v == null || this == ANY) {
            return true;
        }
        return switch (this) {
            case LONG -> v instanceof Long;
            case DOUBLE -> v instanceof Double;
            case STRING, ADDR -> v instanceof String;
            case BOOL -> v instanceof Boolean;
            default -> true;
        };
    }

    @Override
    public String toString() {
        return text();
    }
}
