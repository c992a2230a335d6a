package io.boomfs.deploy.status;

/**
 * A minimal JSON writer for {@code boom status --json}: values in order, commas where they
 * belong. The structure is the caller's to keep right; strings are escaped.
 */
final class Json {
    private final StringBuilder sb = new StringBuilder();
    /** Whether the next value is the first of its container (no comma before it). */
    private boolean first = true;

    Json open(char bracket) {
        value();
        sb.append(bracket);
        first = true;
        return this;
    }

    Json close(char bracket) {
        sb.append(bracket);
        first = false;
        return this;
    }

    Json field(String name) {
        value();
        quote(name);
        sb.append(':');
        first = true;
        return this;
    }

    Json string(String s) {
        value();
        if (s == null) {
            sb.append("null");
        } else {
            quote(s);
        }
        return this;
    }

    Json number(long n) {
        value();
        sb.append(n);
        return this;
    }

    Json bool(boolean b) {
        value();
        sb.append(b);
        return this;
    }

    private void value() {
        if (!first) {
            sb.append(',');
        }
        first = false;
    }

    private void quote(String s) {
        sb.append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
