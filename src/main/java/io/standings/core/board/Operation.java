package io.standings.core.board;

import java.util.Locale;
import java.util.Optional;

/** What a score event does to an entity's score. */
public enum Operation {
    /** Replace the score. */
    SET,
    /** Add to the score (a negative value decrements); an absent entity starts at 0. */
    INCR,
    /** Keep the better of the current score and the value, in the board's order. */
    BEST,
    /** Remove the entity from the board. */
    REMOVE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Operation> fromWire(String value) {
        for (Operation op : values()) {
            if (op.wireName().equals(value)) {
                return Optional.of(op);
            }
        }
        return Optional.empty();
    }
}
