package io.boomfs.engine.lang;

import java.util.ArrayList;
import java.util.List;

/** Splits Overlog source into tokens; lexical errors become diagnostics, never exceptions. */
final class Lexer {
    enum T { IDENT, VAR, LONG, DOUBLE, STRING, PUNCT, EOF }

    record Token(T type, String text, Object value, Pos pos, int offset) {
        boolean is(String punct) {
            return type == T.PUNCT && text.equals(punct);
        }

        boolean isWord(String w) {
            return type == T.IDENT && text.equals(w);
        }

        String describe() {
            return switch (type) {
                case EOF -> "end of file";
                case STRING -> "string \"" + text + "\"";
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
                while (i < src.length() && (Character.isLetterOrDigit(src.charAt(i)) || src.charAt(i) == '_')) {
                    i++;
                }
                String w = src.substring(start, i);
                boolean var = Character.isUpperCase(c) || c == '_';
                out.add(new Token(var ? T.VAR : T.IDENT, w, null, pos, start));
            } else if (Character.isDigit(c)) {
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
                    diags.add(Diagnostic.error(pos, "unexpected character '" + printable(c) + "'"));
                    i++;
                    continue;
                }
                i += p.length();
                out.add(new Token(T.PUNCT, p, null, pos, start));
            }
        }
    }

    private static String printable(char c) {
        return c < 32 || c > 126 ? String.format("\\u%04x", (int) c) : String.valueOf(c);
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
        while (i < src.length() && Character.isDigit(src.charAt(i))) {
            i++;
        }
        boolean dbl = false;
        if (i + 1 < src.length() && src.charAt(i) == '.' && Character.isDigit(src.charAt(i + 1))) {
            dbl = true;
            i++;
            while (i < src.length() && Character.isDigit(src.charAt(i))) {
                i++;
            }
        }
        if (i < src.length() && (src.charAt(i) == 'e' || src.charAt(i) == 'E') && dbl) {
            int save = i;
            i++;
            if (i < src.length() && (src.charAt(i) == '+' || src.charAt(i) == '-')) {
                i++;
            }
            if (i < src.length() && Character.isDigit(src.charAt(i))) {
                while (i < src.length() && Character.isDigit(src.charAt(i))) {
                    i++;
                }
            } else {
                i = save;
            }
        }
        String text = src.substring(start, i);
        try {
            Object v = dbl ? (Object) Double.parseDouble(text) : (Object) Long.parseLong(text);
            return new Token(dbl ? T.DOUBLE : T.LONG, text, v, pos, start);
        } catch (NumberFormatException e) {
            diags.add(Diagnostic.error(pos, "number " + text + " does not fit in a 64-bit long"));
            return new Token(T.LONG, text, 0L, pos, start);
        }
    }

    private Token string(Pos pos, int start) {
        i++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (i >= src.length() || src.charAt(i) == '\n') {
                diags.add(Diagnostic.error(pos, "string is not closed", "end it with \" on the same line"));
                return new Token(T.STRING, sb.toString(), sb.toString(), pos, start);
            }
            char c = src.charAt(i++);
            if (c == '"') {
                return new Token(T.STRING, sb.toString(), sb.toString(), pos, start);
            }
            if (c == '\\') {
                char e = i < src.length() ? src.charAt(i++) : '?';
                switch (e) {
                    case '"' -> sb.append('"');
                    case '\\' -> sb.append('\\');
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    default -> diags.add(Diagnostic.error(new Pos(file, line, i - lineStart - 1),
                        "unknown escape \\" + printable(e) + " in string", "use \\\", \\\\, \\n or \\t"));
                }
            } else {
                sb.append(c);
            }
        }
    }
}
