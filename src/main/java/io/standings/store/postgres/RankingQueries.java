package io.standings.store.postgres;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/** The PostgreSQL rankings as the API reads them: keyset pages of a generation, closed periods, frozen tops. */
@ApplicationScoped
public class RankingQueries {

    private final PgSession session;

    public RankingQueries(PgSession session) {
        this.session = session;
    }

    /** One page of a ranking generation. */
    public record RankingPage(long currentGeneration, OffsetDateTime reconciledAt, long generation, List<RankedRow> rows) {
    }

    /**
     * One page, read in one statement (so never a mix of generations); null when the board period has never
     * been reconciled. LATERAL, so that the generation ranking_current names prunes {@code ranking} to one
     * table at run time and that table's primary key serves the page (as a plain join the planner merges
     * every generation table by ordinal rank and filters).
     */
    public Uni<RankingPage> page(String board, String period, Long generation, long afterOrdinal, int limit) {
        return session.pool().preparedQuery("""
                SELECT cur.generation, cur.reconciled_at, page.* FROM ranking_current cur LEFT JOIN LATERAL (
                    SELECT r.generation AS page_generation, r.ordinal_rank, r.competition_rank, r.dense_rank,
                        r.entity, r.score, r.reached_at
                    FROM ranking r
                    WHERE r.bp_id = cur.bp_id AND r.generation = coalesce($3, cur.generation) AND r.ordinal_rank > $4
                    ORDER BY r.ordinal_rank LIMIT $5) page ON true
                WHERE cur.board = $1 AND cur.period = $2
                ORDER BY page.ordinal_rank
                """).execute(Tuple.tuple().addString(board).addString(period).addLong(generation).addLong(afterOrdinal)
                        .addInteger(limit))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    List<RankedRow> entries = new ArrayList<>();
                    Row first = rows.iterator().next();
                    for (Row r : rows) {
                        if (r.getValue("ordinal_rank") != null) {
                            entries.add(RankedRow.of(r));
                        }
                    }
                    long current = first.getLong(0);
                    return new RankingPage(current, first.getOffsetDateTime(1), generation == null ? current : generation,
                            entries);
                });
    }

    public Uni<List<PeriodRanking>> closedPeriods(String board) {
        return session.pool().preparedQuery("""
                SELECT board, period, bp_id, generation, entries, reconciled_at, closed_at, released_at FROM ranking_current
                WHERE board = $1 AND closed_at IS NOT NULL ORDER BY period DESC
                """).execute(Tuple.of(board)).map(rows -> {
                    List<PeriodRanking> result = new ArrayList<>();
                    rows.forEach(r -> result.add(PeriodRanking.of(r)));
                    return result;
                });
    }

    /** The frozen top of a closed period; null if the period is not closed. */
    public Uni<List<RankedRow>> frozenTop(String board, String period, int limit) {
        return session.pool().preparedQuery("""
                SELECT r.ordinal_rank, r.competition_rank, r.dense_rank, r.entity, r.score, r.reached_at
                FROM ranking_current c CROSS JOIN LATERAL (
                    SELECT * FROM ranking r WHERE r.bp_id = c.bp_id AND r.generation = c.generation
                    ORDER BY r.ordinal_rank LIMIT $3) r
                WHERE c.board = $1 AND c.period = $2 AND c.closed_at IS NOT NULL
                ORDER BY r.ordinal_rank
                """).execute(Tuple.of(board, period, limit)).map(rows -> {
                    List<RankedRow> result = new ArrayList<>();
                    rows.forEach(r -> result.add(RankedRow.of(r)));
                    return result;
                });
    }
}
