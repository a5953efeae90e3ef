package io.standings.board;

import io.standings.index.Order;

/**
 * A board's definition. In this first slice boards are created on their first event with the defaults
 * from configuration ({@code standings.boards.default-*}); issue 4 makes them data managed over the
 * admin API and stored in PostgreSQL.
 */
public record Board(String id, Order order, TiePolicy ties, Operation operator) {

    public enum TiePolicy {
        /** ROW_NUMBER: every entry has its own position. */
        ORDINAL,
        /** RANK: ties share a rank, the next rank skips ("1, 1, 3"). */
        COMPETITION,
        /** DENSE_RANK: ties share a rank, no gaps ("1, 1, 2"). */
        DENSE
    }
}
