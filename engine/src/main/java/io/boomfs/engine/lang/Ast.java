package io.boomfs.engine.lang;

import java.util.List;

/** The syntax tree of an Overlog file, as the parser builds it. */
public final class Ast {
    private Ast() {
    }

    public sealed interface Stmt permits RelationDecl, TimerDecl, Import, Watch, Fact, Rule {
        Pos pos();
    }

    public enum Kind { TABLE, VIEW, EVENT }

    public record Column(Pos pos, String name, Type type, boolean located) {
    }

    public record RelationDecl(Pos pos, Kind kind, boolean durable, String name, List<Column> columns,
                               List<String> key, Pos keyPos) implements Stmt {
    }

    public record TimerDecl(Pos pos, String name, long periodMs) implements Stmt {
    }

    public record Import(Pos pos, String path) implements Stmt {
    }

    /** {@code watch name.}; {@code namePos} is where the relation's name is written. */
    public record Watch(Pos pos, String name, Pos namePos) implements Stmt {
    }

    /** {@code name(values).}; {@code located} when the first value was written {@code @value}. */
    public record Fact(Pos pos, String name, List<Expr> values, boolean located) implements Stmt {
    }

    /** A rule; {@code text} is its source, used in messages and in {@code sys_rule}. */
    public record Rule(Pos pos, String label, boolean delete, boolean next, Atom head, List<Literal> body,
                       String text) implements Stmt {
    }

    /** {@code name(terms)}; {@code located} when the first term was written {@code @Term}. */
    public record Atom(Pos pos, String name, List<Expr> terms, boolean located) {
    }

    public sealed interface Literal permits Positive, Negated, Condition, Assign {
        Pos pos();
    }

    public record Positive(Pos pos, Atom atom) implements Literal {
    }

    public record Negated(Pos pos, Atom atom) implements Literal {
    }

    public record Condition(Pos pos, Expr expr) implements Literal {
    }

    /** {@code Var = expr} ({@code bindOnly} false) or {@code Var := expr} ({@code bindOnly} true). */
    public record Assign(Pos pos, String var, Expr expr, boolean bindOnly) implements Literal {
    }

    public sealed interface Expr permits Var, Const, Binary, Unary, Ternary, Call, Aggregate {
        Pos pos();
    }

    /** A variable; {@code _} is written as a fresh name starting with {@code _$}. */
    public record Var(Pos pos, String name) implements Expr {
        public boolean anonymous() {
            return name.startsWith("_$");
        }
    }

    public record Const(Pos pos, Object value) implements Expr {
    }

    public record Binary(Pos pos, String op, Expr left, Expr right) implements Expr {
    }

    public record Unary(Pos pos, String op, Expr operand) implements Expr {
    }

    public record Ternary(Pos pos, Expr cond, Expr then, Expr otherwise) implements Expr {
    }

    public record Call(Pos pos, String name, List<Expr> args) implements Expr {
    }

    /** {@code fn<Var>} or {@code fn<*>} ({@code var} null); only as a head term. */
    public record Aggregate(Pos pos, String fn, Var var) implements Expr {
    }
}
