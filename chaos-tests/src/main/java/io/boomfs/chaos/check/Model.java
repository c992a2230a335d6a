package io.boomfs.chaos.check;

import io.boomfs.chaos.history.Call;

import java.util.List;

/**
 * A sequential specification for the linearizability checker: an object's states and what one
 * call does to them. States are values (equals and hashCode by content): the checker remembers
 * (calls linearized, state) pairs it has explored.
 *
 * @param <S> the state
 */
public interface Model<S> {
    /** What the object holds before the first call. */
    S initial();

    /**
     * The states that {@code call} can leave when it takes effect in {@code state}: none when its
     * observed result is impossible there; one for a deterministic call whose result matches; several
     * when its outcome is unknown ({@code info}) and it may have gone either way (a cas that did or
     * did not match).
     */
    List<S> step(S state, Call call);
}
