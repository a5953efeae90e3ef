package io.standings.store.postgres;

import io.vertx.mutiny.sqlclient.Row;

/** One row of a ranking generation: ROW_NUMBER, RANK and DENSE_RANK of an entity and its score. */
public record RankedRow(long ordinalRank, long competitionRank, long denseRank, String entity, double score,
        long reachedAt) {

    static RankedRow of(Row r) {
        return new RankedRow(r.getLong("ordinal_rank"), r.getLong("competition_rank"), r.getLong("dense_rank"),
                r.getString("entity"), r.getDouble("score"), r.getLong("reached_at"));
    }
}
