package io.standings.board;

import io.standings.index.Order;
import io.standings.index.Ranked;

/**
 * A board's definition. In this first slice boards are created on their first event with the defaults
 * from configuration ({@code standings.boards.default-*}); issue 4 makes them data managed over the
 * admin API and stored in PostgreSQL.
 */
public record Board(String id, Order order, TiePolicy ties, Operation operator) {

    /** The rank the API reports for this entry: the one the board's tie policy names. */
    public long rankOf(Ranked r) {
        switch (ties) {
            case COMPETITION:
                return r.competitionRank();
            case DENSE:
                return r.denseRank();
            default:
                return r.ordinalRank();
        }
    }

    public enum TiePolicy {
        /** ROW_NUMBER: every entry has its own position. */
        ORDINAL,
        /** RANK: ties share a rank, the next rank skips ("1, 1, 3"). */
        COMPETITION,
        /** DENSE_RANK: ties share a rank, no gaps ("1, 1, 2"). */
        DENSE
    }
}
