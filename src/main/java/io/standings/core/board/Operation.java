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

    /** Whether a board may take the operator as the one of events without {@code op} (all but remove). */
    public boolean canBeBoardDefault() {
        return this != REMOVE;
    }

    /** The operators' wire names, comma-separated, for messages. */
    public static String wireNames() {
        return java.util.Arrays.stream(values()).map(Operation::wireName).collect(java.util.stream.Collectors.joining(", "));
    }

    /** The wire names of the operators a board may default to, comma-separated. */
    public static String boardDefaultWireNames() {
        return java.util.Arrays.stream(values()).filter(Operation::canBeBoardDefault).map(Operation::wireName)
                .collect(java.util.stream.Collectors.joining(", "));
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
