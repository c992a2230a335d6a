package io.boomfs.chaos.check;

import io.boomfs.chaos.history.Call;

import java.util.List;
import java.util.Objects;

/**
 * A read/write/compare-and-set register, initially absent (null): the KV store's per-key
 * semantics. {@code read} returns the value; {@code write V}; {@code cas [Expected, New]} returns
 * true and writes when the value equals Expected, else false. A call of unknown outcome may have
 * taken effect or not (the checker may leave it out); where it takes effect, it does what it
 * would have done with a known result.
 */
public final class RegisterModel implements Model<RegisterModel.Value> {
    /** The register's content (a record, so that null is a state too). */
    public record Value(Object v) {
        @Override
        public String toString() {
            return String.valueOf(v);
        }
    }

    @Override
    public Value initial() {
        return new Value(null);
    }

    @Override
    public List<Value> step(Value state, Call c) {
        return switch (c.f()) {
            case "read" -> Objects.equals(state.v(), c.result()) ? List.of(state) : List.of();
            case "write" -> List.of(new Value(c.argument()));
            case "cas" -> cas(state, c);
            default -> throw new IllegalArgumentException(c.describe() + ": a register has read, write and cas, not " + c.f());
        };
    }

    private static List<Value> cas(Value state, Call c) {
        if (!(c.argument() instanceof List<?> a) || a.size() != 2) {
            throw new IllegalArgumentException(c.describe() + ": a cas argument is [expected, new]");
        }
        boolean matches = Objects.equals(state.v(), a.get(0));
        if (!c.known()) {
            return List.of(matches ? new Value(a.get(1)) : state);
        }
        if (Boolean.TRUE.equals(c.result())) {
            return matches ? List.of(new Value(a.get(1))) : List.of();
        }
        return matches ? List.of() : List.of(state);
    }
}
