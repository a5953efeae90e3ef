package io.standings.api;

import io.standings.board.Board;

/** A board's definition with its live entry count in the current period. */
public record BoardView(String id, String order, String ties, String operator, String period, String timeZone,
        String decayHalfLife, String currentPeriod, long entries) {

    public static BoardView of(Board b, long entries) {
        var spec = io.standings.board.BoardSpec.of(b);
        return new BoardView(b.id(), spec.order(), spec.ties(), spec.operator(), spec.period(), spec.timeZone(),
                spec.decayHalfLife(), b.periodOf(System.currentTimeMillis()), entries);
    }
}
