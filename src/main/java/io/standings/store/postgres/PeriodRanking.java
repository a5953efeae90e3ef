package io.standings.store.postgres;

import io.vertx.mutiny.sqlclient.Row;
import java.time.OffsetDateTime;

/**
 * A board period's ranking in PostgreSQL ({@code ranking_current}): the generation readers see, its size, when
 * it was reconciled, closed (frozen) and released.
 */
public record PeriodRanking(String board, String period, int bpId, long generation, long entries,
        OffsetDateTime reconciledAt, OffsetDateTime closedAt, OffsetDateTime releasedAt) {

    static final String COLUMNS = "board, period, bp_id, generation, entries, reconciled_at, closed_at, released_at";

    public String boardPeriod() {
        return board + "@" + period;
    }

    static PeriodRanking of(Row r) {
        return new PeriodRanking(r.getString("board"), r.getString("period"), r.getInteger("bp_id"), r.getLong("generation"),
                r.getLong("entries"), r.getOffsetDateTime("reconciled_at"), r.getOffsetDateTime("closed_at"),
                r.getOffsetDateTime("released_at"));
    }
}
