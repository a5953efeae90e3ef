package io.standings.store.postgres;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.Map;

/** What the reconciler's plan and drift audit read of PostgreSQL: the rankings' state, counts, checksums, samples. */
@ApplicationScoped
public class DriftQueries {

    private final PgSession session;

    public DriftQueries(PgSession session) {
        this.session = session;
    }

    /** Every board period's ranking state, by "board@period". */
    public Uni<Map<String, PeriodRanking>> rankings() {
        return session.inTransaction(conn -> conn.query("SELECT " + PeriodRanking.COLUMNS + " FROM ranking_current").execute())
                .map(rows -> {
                    Map<String, PeriodRanking> result = new HashMap<>();
                    for (Row r : rows) {
                        PeriodRanking c = PeriodRanking.of(r);
                        result.put(c.boardPeriod(), c);
                    }
                    return result;
                });
    }

    /** Rows of entity_score per board period. */
    public Uni<Map<String, Long>> scoreCounts() {
        return session.inTransaction(conn -> conn.query("""
                SELECT b.board, b.period, c.n FROM (SELECT bp_id, count(*) AS n FROM entity_score GROUP BY bp_id) c
                JOIN board_period b ON b.id = c.bp_id
                """).execute()).map(rows -> {
            Map<String, Long> result = new HashMap<>();
            rows.forEach(r -> result.put(r.getString(0) + "@" + r.getString(1), r.getLong(2)));
            return result;
        });
    }

    /**
     * The SQL twin of {@link io.standings.state.PeriodSnapshot#checksum()}: the sum of the first 60 bits of
     * md5(entity ‖ float8 bits ‖ int8 bits) over the board period's rows, modulo 2^64, unsigned, in decimal.
     */
    public Uni<String> checksum(int bpId) {
        return session.inTransaction(conn -> conn.preparedQuery("""
                SELECT coalesce(sum(('x' || substr(md5(convert_to(entity, 'UTF8') || float8send(score)
                    || int8send(reached_at)), 1, 15))::bit(60)::bigint), 0) % 18446744073709551616
                FROM entity_score WHERE bp_id = $1
                """).execute(Tuple.of(bpId)))
                .map(rows -> rows.iterator().next().getBigDecimal(0).toBigInteger().toString());
    }

    /** A generation's rows at the given 1-based ordinal ranks, by ordinal rank. */
    public Uni<Map<Long, RankedRow>> sampleRanks(int bpId, long generation, Long[] ordinals) {
        return session.inTransaction(conn -> conn.preparedQuery("""
                SELECT ordinal_rank, competition_rank, dense_rank, entity, score, reached_at FROM ranking
                WHERE bp_id = $1 AND generation = $2 AND ordinal_rank = ANY($3::int8[])
                """).execute(Tuple.tuple().addInteger(bpId).addLong(generation).addArrayOfLong(ordinals)))
                .map(rows -> {
                    Map<Long, RankedRow> result = new HashMap<>();
                    rows.forEach(r -> result.put(r.getLong("ordinal_rank"), RankedRow.of(r)));
                    return result;
                });
    }
}
