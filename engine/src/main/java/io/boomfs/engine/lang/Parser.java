package io.boomfs.engine.lang;

import io.boomfs.engine.lang.Ast.*;
import io.boomfs.engine.lang.Lexer.T;
import io.boomfs.engine.lang.Lexer.Token;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Recursive-descent parser for one Overlog file. Syntax errors become diagnostics that say what
 * was expected; the parser then skips to the end of the statement and goes on, so one run
 * reports every broken statement. It never throws on bad input and bounds its nesting depth.
 */
public final class Parser {
    static final int MAX_DEPTH = 100;
    /** Operators and arguments in one top-level expression (a term or a body literal). */
    static final int MAX_SIZE = 10_000;
    private static final String MIN_LONG_DIGITS = "9223372036854775808";
    static final Set<String> AGGREGATES = Set.of("count", "sum", "min", "max", "avg", "set", "list");

    private final String src;
    private final List<Token> toks;
    private final List<Diagnostic> diags;
    private int p;
    private int depth;
    private int exprSize;
    private int anon;

    private static final class SyntaxError extends RuntimeException {
        SyntaxError() {
            super(null, null, false, false);
        }
    }

    private Parser(String file, String src, List<Diagnostic> diags) {
        this.src = src;
        this.diags = diags;
        this.toks = new Lexer(file, src, diags).tokens();
    }

    /** Parses {@code src}; problems are added to {@code diags}. */
    public static List<Stmt> parse(String file, String src, List<Diagnostic> diags) {
        return new Parser(file, src, diags).file();
    }

    private List<Stmt> file() {
        List<Stmt> out = new ArrayList<>();
        while (peek().type() != T.EOF) {
            int start = p;
            try {
                out.add(statement());
            } catch (SyntaxError e) {
                recover(start);
            }
        }
        return out;
    }

    /**
     * Skips the rest of a broken statement: up to and including its '.'. A string that is not
     * closed runs to the end of its line and may have swallowed the statement's '.', so after
     * one a statement may also start on the next line: skipping stops at a first token there
     * that begins like a statement, instead of eating a whole correct statement.
     */
    private void recover(int start) {
        if (p == start) {
            p++;
        }
        while (peek().type() != T.EOF && !peek().is(".")) {
            Token prev = toks.get(Math.min(p, toks.size()) - 1);
            if (prev.unclosed() && peek().pos().line() > prev.pos().line() && startsStatement()) {
                return;
            }
            p++;
        }
        if (peek().is(".")) {
            p++;
        }
    }

    /** Whether the next tokens read like the start of a statement: a name, then '(', ':', '@' or a name. */
    private boolean startsStatement() {
        Token second = peek(1);
        return peek().type() == T.IDENT && (second.is("(") || second.is(":") || second.is("@")
            || second.type() == T.IDENT || second.type() == T.VAR);
    }

    private Token peek() {
        return toks.get(Math.min(p, toks.size() - 1));
    }

    private Token peek(int k) {
        return toks.get(Math.min(p + k, toks.size() - 1));
    }

    private Token next() {
        Token t = peek();
        if (t.type() != T.EOF) {
            p++;
        }
        return t;
    }

    private SyntaxError error(Token at, String expected) {
        if (at.type() == T.ERROR) {
            diags.add(Diagnostic.error(at.pos(), at.describe()));
        } else {
            diags.add(Diagnostic.error(at.pos(), "expected " + expected + ", found " + at.describe()));
        }
        return new SyntaxError();
    }

    private Token expect(String punct, String what) {
        if (!peek().is(punct)) {
            throw error(peek(), what);
        }
        return next();
    }

    private Token expectType(T type, String what) {
        if (peek().type() != type) {
            throw error(peek(), what);
        }
        return next();
    }

    private Stmt statement() {
        Token t = peek();
        if (t.type() == T.IDENT) {
            switch (t.text()) {
                case "import":
                    if (peek(1).type() == T.STRING) {
                        next();
                        String path = (String) next().value();
                        expect(".", "'.' after the import");
                        return new Import(t.pos(), path);
                    }
                    break;
                case "watch":
                    // "watch name." (not a rule labelled watch: "watch name(...) :- ...")
                    if ((peek(1).type() == T.IDENT || peek(1).type() == T.VAR) && !peek(2).is("(") && !peek(2).is("@")) {
                        next();
                        Token name = relationName();
                        expect(".", "'.' after watch " + name.text());
                        return new Watch(t.pos(), name.text(), name.pos());
                    }
                    break;
                case "timer":
                    if (peek(1).type() == T.IDENT || peek(1).type() == T.VAR) {
                        return timer();
                    }
                    break;
                case "durable":
                    if (peek(1).type() == T.IDENT) {
                        next();
                        if (!peek().isWord("table")) {
                            throw error(peek(), "'table' after 'durable'");
                        }
                        return declaration(t.pos(), true);
                    }
                    break;
                case "table":
                case "view":
                case "event":
                    if (peek(1).type() == T.IDENT || peek(1).type() == T.VAR) {
                        return declaration(t.pos(), false);
                    }
                    break;
                default:
                    break;
            }
        }
        return ruleOrFact();
    }

    /** The name of a relation being declared or watched: lowercase, else a syntax error. */
    private Token relationName() {
        return expectType(T.IDENT, "a relation name (starting with a lowercase letter)");
    }

    private Stmt timer() {
        Token t = next();
        String name = relationName().text();
        expect("(", "'(' and the period in milliseconds");
        Token period = expectType(T.LONG, "the timer period in milliseconds (a whole number)");
        long ms = period.value() instanceof Long ? (Long) period.value() : Long.MAX_VALUE;
        if (!(period.value() instanceof Long)) {
            diags.add(Diagnostic.error(period.pos(), "number " + period.text() + " does not fit in a 64-bit long"));
        }
        expect(")", "')'");
        expect(".", "'.' at the end of the timer declaration");
        return new TimerDecl(t.pos(), name, ms);
    }

    /** The value of a LONG token; reports a number too large for a long (and gives 0). */
    private long longValue(Token t) {
        if (t.value() instanceof Long l) {
            return l;
        }
        diags.add(Diagnostic.error(t.pos(), "number " + t.text() + " does not fit in a 64-bit long"));
        return 0L;
    }

    private Stmt declaration(Pos pos, boolean durable) {
        Token kw = next();
        Kind kind = switch (kw.text()) {
            case "table" -> Kind.TABLE;
            case "view" -> Kind.VIEW;
            default -> Kind.EVENT;
        };
        String name = relationName().text();
        expect("(", "'(' and the columns of " + name);
        List<Column> cols = new ArrayList<>();
        if (!peek().is(")")) {
            do {
                boolean located = false;
                if (peek().is("@")) {
                    next();
                    located = true;
                }
                Token col = expectType(T.VAR, "a column name (starting with an uppercase letter)");
                if (col.text().equals("_")) {
                    diags.add(Diagnostic.error(col.pos(), "'_' cannot be a column name", "give the column a name, e.g. Id"));
                }
                expect(":", "':' and the type of column " + col.text());
                Token ty = expectType(T.IDENT, "a type (long, double, string, bool, addr, any)");
                Type type = Type.parse(ty.text());
                if (type == null) {
                    diags.add(Diagnostic.error(ty.pos(), "unknown type '" + ty.text() + "'",
                        "use long, double, string, bool, addr or any"));
                    type = Type.ANY;
                }
                cols.add(new Column(col.pos(), col.text(), type, located));
            } while (accept(","));
        }
        expect(")", "',' or ')' in the column list");
        List<String> key = null;
        Pos keyPos = null;
        if (peek().isWord("key")) {
            keyPos = next().pos();
            expect("(", "'(' and the key columns");
            key = new ArrayList<>();
            if (!peek().is(")")) {
                do {
                    key.add(expectType(T.VAR, "a key column name").text());
                } while (accept(","));
            }
            expect(")", "')' after the key columns");
        }
        expect(".", "'.' at the end of the declaration of " + name);
        return new RelationDecl(pos, kind, durable, name, cols, key, keyPos);
    }

    private boolean accept(String punct) {
        if (peek().is(punct)) {
            next();
            return true;
        }
        return false;
    }

    private Stmt ruleOrFact() {
        Token first = peek();
        int startOffset = first.offset();
        String label = null;
        if (first.type() == T.IDENT && peek(1).is(":")) {
            label = first.text();
            next();
            next();
        } else if (first.type() == T.IDENT && !first.text().equals("delete") && peek(1).type() == T.IDENT) {
            label = first.text();
            next();
        }
        boolean delete = false;
        if (peek().isWord("delete") && peek(1).type() == T.IDENT) {
            next();
            delete = true;
        }
        if (peek().type() != T.IDENT) {
            throw error(peek(), "a declaration, a fact or a rule (relation names start with a lowercase letter)");
        }
        boolean[] nextFlag = new boolean[1];
        Atom head = atom(true, nextFlag);
        if (peek().is("@") && peek(1).isWord("next")) {
            next();
            next();
            nextFlag[0] = true;
        }
        boolean ruleOnly = label != null || delete || nextFlag[0];
        if (peek().is(".") && !ruleOnly) {
            next();
            return new Fact(first.pos(), head.name(), head.terms(), head.located());
        }
        if (peek().is(".")) {
            diags.add(Diagnostic.error(peek().pos(),
                "expected ':-' and a rule body: a fact cannot have a label, 'delete' or '@next'"));
            throw new SyntaxError();
        }
        expect(":-", ruleOnly ? "':-' and the rule body" : "':-' and the rule body, or '.' to end a fact");
        List<Literal> body = new ArrayList<>();
        do {
            body.add(literal());
        } while (accept(","));
        Token end = expect(".", "',' or '.' after a body literal");
        String text = src.substring(startOffset, end.offset() + 1).replaceAll("\\s+", " ");
        return new Rule(first.pos(), label, delete, nextFlag[0], head, body, text);
    }

    private Atom atom(boolean head, boolean[] nextFlag) {
        Token name = expectType(T.IDENT, "a relation name");
        if (head && peek().is("@") && peek(1).isWord("next")) {
            next();
            next();
            nextFlag[0] = true;
        }
        expect("(", "'(' after " + name.text());
        List<Expr> terms = new ArrayList<>();
        boolean located = false;
        if (!peek().is(")")) {
            do {
                if (peek().is("@")) {
                    Token at = next();
                    if (!terms.isEmpty()) {
                        diags.add(Diagnostic.error(at.pos(), "only the first term may be written with '@'",
                            "the location is the first column of a relation"));
                    }
                    located = true;
                }
                terms.add(head ? headTerm() : expr());
            } while (accept(","));
        }
        expect(")", "',' or ')' in the terms of " + name.text());
        return new Atom(name.pos(), name.text(), terms, located);
    }

    private Expr headTerm() {
        Token t = peek();
        if (t.type() == T.IDENT && AGGREGATES.contains(t.text()) && peek(1).is("<") && !aggregateAhead(1)) {
            return aggregate(); // reports what is wrong inside the <...>
        }
        return expr();
    }

    /** Whether the tokens from {@code k} on are {@code <Var>} or {@code <*>}. */
    private boolean aggregateAhead(int k) {
        return peek(k).is("<") && (peek(k + 1).type() == T.VAR || peek(k + 1).is("*")) && peek(k + 2).is(">");
    }

    /** {@code fn<Var>} or {@code fn<*>}, at the aggregate's name. */
    private Expr aggregate() {
        Token t = next();
        next();
        Var v = null;
        if (peek().is("*")) {
            next();
        } else {
            Token var = expectType(T.VAR, "a variable or '*' inside " + t.text() + "<...>");
            v = new Var(var.pos(), var.text().equals("_") ? "_$" + (anon++) : var.text());
        }
        expect(">", "'>' to close the aggregate " + t.text() + "<...>");
        return new Aggregate(t.pos(), t.text(), v);
    }

    private Literal literal() {
        Token t = peek();
        if (t.isWord("notin")) {
            next();
            Atom a = atom(false, null);
            return new Negated(t.pos(), a);
        }
        if (t.type() == T.IDENT && peek(1).is("(")) {
            int save = p;
            int saveDiags = diags.size();
            try {
                Atom a = atom(false, null);
                if (peek().is(",") || peek().is(".")) {
                    return new Positive(t.pos(), a);
                }
            } catch (SyntaxError e) {
                // Not an atom: parse it again as an expression below.
            }
            p = save;
            while (diags.size() > saveDiags) {
                diags.remove(diags.size() - 1);
            }
        }
        if (t.type() == T.VAR && (peek(1).is("=") || peek(1).is(":="))) {
            next();
            boolean bindOnly = next().is(":=");
            Expr e = expr();
            return new Assign(t.pos(), t.text(), e, bindOnly);
        }
        return new Condition(t.pos(), expr());
    }

    /**
     * Enters one level of expression nesting (parentheses, arguments, '? :', unary operators).
     * The caller leaves it with {@code depth--} in a finally block, so the count is exact after
     * an error too and every statement gets the same budget.
     */
    private void enter(Pos at) {
        depth++;
        if (depth > MAX_DEPTH) {
            diags.add(Diagnostic.error(at, "expression nested more than " + MAX_DEPTH + " levels deep",
                "split it with intermediate variables: X = ..., Y = ... X ..."));
            throw new SyntaxError();
        }
    }

    /** Counts one operator or argument of the current top-level expression against {@link #MAX_SIZE}. */
    private void grow(Pos at) {
        if (++exprSize > MAX_SIZE) {
            diags.add(Diagnostic.error(at, "expression too long: more than " + MAX_SIZE + " operators and arguments",
                "split it with intermediate variables: X = ..., Y = ... X ..."));
            throw new SyntaxError();
        }
    }

    private Expr expr() {
        if (depth == 0) {
            exprSize = 0;
        }
        try {
            enter(peek().pos());
            return ternary();
        } finally {
            depth--;
        }
    }

    private Expr ternary() {
        Expr c = binary(0);
        if (peek().is("?")) {
            Token q = next();
            Expr a = expr();
            expect(":", "':' in the conditional expression c ? a : b");
            Expr b = expr();
            return new Ternary(q.pos(), c, a, b);
        }
        return c;
    }

    private static final String[][] LEVELS = {
        {"||"}, {"&&"}, {"==", "!="}, {"<", "<=", ">", ">="}, {"+", "-"}, {"*", "/", "%"}};

    private Expr binary(int level) {
        if (level == LEVELS.length) {
            return unary();
        }
        Expr left = binary(level + 1);
        while (true) {
            Token t = peek();
            String op = null;
            if (t.type() == T.PUNCT) {
                for (String cand : LEVELS[level]) {
                    if (t.text().equals(cand)) {
                        op = cand;
                    }
                }
            }
            if (op == null) {
                return left;
            }
            next();
            grow(t.pos());
            Expr right = binary(level + 1);
            left = new Binary(t.pos(), op, left, right);
        }
    }

    private Expr unary() {
        Token t = peek();
        if (t.is("!") || t.is("-")) {
            next();
            if (t.is("-") && peek().type() == T.LONG && !(peek().value() instanceof Long)
                && peek().text().equals(MIN_LONG_DIGITS)) {
                // -9223372036854775808: the one long whose digits alone do not fit.
                next();
                return new Const(t.pos(), Long.MIN_VALUE);
            }
            try {
                enter(t.pos());
                Expr e = unary();
                if (t.is("-") && e instanceof Const c && c.value() instanceof Long l) {
                    return new Const(t.pos(), -l);
                }
                if (t.is("-") && e instanceof Const c && c.value() instanceof Double d) {
                    return new Const(t.pos(), -d);
                }
                return new Unary(t.pos(), t.text(), e);
            } finally {
                depth--;
            }
        }
        return primary();
    }

    private Expr primary() {
        Token t = next();
        switch (t.type()) {
            case LONG:
                return new Const(t.pos(), longValue(t));
            case DOUBLE:
            case STRING:
                return new Const(t.pos(), t.value());
            case VAR:
                if (peek().is("(")) {
                    p--;
                    throw error(t, "an expression (relation and function names start with a lowercase letter)");
                }
                return new Var(t.pos(), t.text().equals("_") ? "_$" + (anon++) : t.text());
            case IDENT:
                switch (t.text()) {
                    case "true":
                        return new Const(t.pos(), Boolean.TRUE);
                    case "false":
                        return new Const(t.pos(), Boolean.FALSE);
                    case "null":
                        return new Const(t.pos(), null);
                    default:
                        break;
                }
                if (AGGREGATES.contains(t.text()) && aggregateAhead(0)) {
                    // Parsed so that the checker can say where an aggregate may be written.
                    p--;
                    return aggregate();
                }
                if (peek().is("(")) {
                    next();
                    List<Expr> args = new ArrayList<>();
                    if (!peek().is(")")) {
                        do {
                            grow(peek().pos());
                            args.add(expr());
                        } while (accept(","));
                    }
                    expect(")", "',' or ')' in the arguments of " + t.text());
                    return new Call(t.pos(), t.text(), args);
                }
                p--;
                throw error(t, "an expression (did you mean a variable? variables start with an uppercase letter)");
            case PUNCT:
                if (t.is("(")) {
                    Expr e = expr();
                    expect(")", "')'");
                    return e;
                }
                p--;
                throw error(t, "an expression");
            default:
                p--;
                throw error(t, "an expression");
        }
    }
}
