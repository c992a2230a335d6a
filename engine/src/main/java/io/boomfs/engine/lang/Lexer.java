package io.boomfs.engine.lang;

import java.util.ArrayList;
import java.util.List;

/** Splits Overlog source into tokens; lexical errors become diagnostics, never exceptions. */
final class Lexer {
    /**
     * Token types. ERROR is a character that starts no token; the parser reports it where it
     * stands ("unexpected character") and skips its statement, so it causes no second error.
     */
    enum T { IDENT, VAR, LONG, DOUBLE, STRING, PUNCT, ERROR, EOF }

    /** A token; {@code unclosed} for a string literal that the end of its line cut off. */
    record Token(T type, String text, Object value, Pos pos, int offset, boolean unclosed) {
        Token(T type, String text, Object value, Pos pos, int offset) {
            this(type, text, value, pos, offset, false);
        }

        boolean is(String punct) {
            return type == T.PUNCT && text.equals(punct);
        }

        boolean isWord(String w) {
            return type == T.IDENT && text.equals(w);
        }

        String describe() {
            return switch (type) {
                case EOF -> "end of file";
                case ERROR -> "unexpected character '" + text + "'";
                case STRING -> "string \"" + visible(text) + "\"";
                case PUNCT -> "'" + text + "'";
                default -> "'" + text + "'";
            };
        }
    }

    private static final String[] PUNCTS = {":-", ":=", "==", "!=", "<=", ">=", "&&", "||",
        "(", ")", ",", ".", "@", "!", "<", ">", "+", "-", "*", "/", "%", "?", ":", "=", "[", "]"};

    private final String file;
    private final String src;
    private final List<Diagnostic> diags;
    private int i;
    private int line = 1;
    private int lineStart;

    Lexer(String file, String src, List<Diagnostic> diags) {
        this.file = file;
        this.src = src;
        this.diags = diags;
    }

    List<Token> tokens() {
        List<Token> out = new ArrayList<>();
        while (true) {
            skipSpaceAndComments();
            Pos pos = pos();
            int start = i;
            if (i >= src.length()) {
                out.add(new Token(T.EOF, "", null, pos, i));
                return out;
            }
            char c = src.charAt(i);
            if (Character.isLetter(c) || c == '_') {
                while (i < src.length() && (Character.isLetter(src.charAt(i)) || isDigit(src.charAt(i))
                    || src.charAt(i) == '_')) {
                    i++;
                }
                String w = src.substring(start, i);
                boolean var = Character.isUpperCase(c) || c == '_';
                out.add(new Token(var ? T.VAR : T.IDENT, w, null, pos, start));
            } else if (isDigit(c)) {
                out.add(number(pos, start));
            } else if (c == '"') {
                out.add(string(pos, start));
            } else {
                String p = null;
                for (String cand : PUNCTS) {
                    if (src.startsWith(cand, i)) {
                        p = cand;
                        break;
                    }
                }
                if (p == null) {
                    int cp = src.codePointAt(i);
                    String shown = Character.charCount(cp) == 2 ? String.format("U+%X", cp) : printable(c);
                    out.add(new Token(T.ERROR, shown, null, pos, start));
                    i += Character.charCount(cp);
                    continue;
                }
                i += p.length();
                out.add(new Token(T.PUNCT, p, null, pos, start));
            }
        }
    }

    /** Only ASCII 0-9 are digits in Overlog (not the other Unicode decimal digits). */
    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static String printable(char c) {
        return c < 32 || c > 126 ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }

    /**
     * {@code s} for a message: control characters and unpaired surrogates are written as a
     * backslash, u and four hex digits; other characters are kept.
     */
    static String visible(String s) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            boolean pair = Character.isHighSurrogate(c) && k + 1 < s.length() && Character.isLowSurrogate(s.charAt(k + 1));
            if (pair) {
                sb.append(c).append(s.charAt(++k));
            } else if (c < 32 || c == 127 || Character.isSurrogate(c)) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private Pos pos() {
        return new Pos(file, line, i - lineStart + 1);
    }

    private void newline() {
        line++;
        lineStart = i + 1;
    }

    private void skipSpaceAndComments() {
        while (i < src.length()) {
            char c = src.charAt(i);
            if (c == '\n') {
                newline();
                i++;
            } else if (Character.isWhitespace(c)) {
                i++;
            } else if (src.startsWith("//", i)) {
                while (i < src.length() && src.charAt(i) != '\n') {
                    i++;
                }
            } else if (src.startsWith("/*", i)) {
                Pos start = pos();
                i += 2;
                while (i < src.length() && !src.startsWith("*/", i)) {
                    if (src.charAt(i) == '\n') {
                        newline();
                    }
                    i++;
                }
                if (i >= src.length()) {
                    diags.add(Diagnostic.error(start, "comment is not closed", "end it with */"));
                    return;
                }
                i += 2;
            } else {
                return;
            }
        }
    }

    private Token number(Pos pos, int start) {
        while (i < src.length() && isDigit(src.charAt(i))) {
            i++;
        }
        boolean dbl = false;
        if (i + 1 < src.length() && src.charAt(i) == '.' && Character.isDigit(src.charAt(i + 1))) {
            dbl = true;
            i++;
            while (i < src.length() && isDigit(src.charAt(i))) {
                i++;
            }
        }
        if (i < src.length() && (src.charAt(i) == 'e' || src.charAt(i) == 'E') && dbl) {
            int save = i;
            i++;
            if (i < src.length() && (src.charAt(i) == '+' || src.charAt(i) == '-')) {
                i++;
            }
            if (i < src.length() && isDigit(src.charAt(i))) {
                while (i < src.length() && isDigit(src.charAt(i))) {
                    i++;
                }
            } else {
                i = save;
            }
        }
        String text = src.substring(start, i);
        if (dbl) {
            return new Token(T.DOUBLE, text, Double.parseDouble(text), pos, start);
        }
        try {
            return new Token(T.LONG, text, Long.parseLong(text), pos, start);
        } catch (NumberFormatException e) {
            // Too large for a long. The value is the text: the parser accepts it only as the
            // operand of a unary minus that makes it Long.MIN_VALUE, and reports it otherwise.
            return new Token(T.LONG, text, text, pos, start);
        }
    }

    /**
     * A string literal. It never spans lines: a newline (or the end of the input) before the
     * closing quote ends it with an error, and the newline is left for the line count, also
     * after a backslash.
     */
    private Token string(Pos pos, int start) {
        i++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (atLineEnd()) {
                diags.add(Diagnostic.error(pos, "string is not closed", "end it with \" on the same line"));
                return new Token(T.STRING, sb.toString(), sb.toString(), pos, start, true);
            }
            char c = src.charAt(i++);
            if (c == '"') {
                return new Token(T.STRING, sb.toString(), sb.toString(), pos, start);
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (atLineEnd()) {
                continue;
            }
            Pos at = new Pos(file, line, i - lineStart);
            char e = src.charAt(i++);
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                default -> diags.add(Diagnostic.error(at, e < 32 || e > 126
                    ? "unknown escape in string: a backslash before the character " + printable(e)
                    : "unknown escape \\" + e + " in string", "use \\\", \\\\, \\n or \\t"));
            }
        }
    }

    /** Whether the input ends here or a line ends here ({@code \n}, or {@code \r\n}). */
    private boolean atLineEnd() {
        if (i >= src.length() || src.charAt(i) == '\n') {
            return true;
        }
        return src.charAt(i) == '\r' && i + 1 < src.length() && src.charAt(i + 1) == '\n';
    }
}
