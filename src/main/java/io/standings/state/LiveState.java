package io.standings.state;

import java.util.Set;

/** The live state as the ingest's fold reads it: each entity's score, and the counts its limits need. */
public interface LiveState {

    /** The entity's current entry (ranked or held), or null when it is not on the board period. */
    EntityScore current(String board, String period, String entity);

    /** Entries of the board period, ranked and held (0 when it is not live). */
    long entries(String board, String period);

    /** The board's periods ("board@period") that hold at least one entry. */
    Set<String> livePeriods(String board);
}
