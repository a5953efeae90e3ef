package io.standings.reconcile;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.standings.index.Order;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The PostgreSQL side of reconciliation (tables in V2__reconciliation.sql), through the reactive client.
 * Bulk writes bind whole arrays ({@code unnest($n::text[], ...)}), never one statement per row.
 */
@ApplicationScoped
public class Checkpoints {

    static final int CHUNK = 50_000;

    private final Pool pool;

    public Checkpoints(Pool pool) {
        this.pool = pool;
    }

    public Pool pool() {
        return pool;
    }

    /** What one board period contributes to a checkpoint transaction. */
    static final class PeriodWrite {
        final PeriodSnapshot snapshot;
        /** Positions in the snapshot to upsert (null with fullSync: all of them). */
        int[] upserts;
        /** Entities to delete (gone from memory). */
        String[] deletes = new String[0];
        /** Write everything and delete whatever the snapshot does not hold. */
        boolean fullSync;
        /** Rewrite the ranking even if no row changed (drift repair). */
        boolean forceRewrite;
        /** No ranking exists yet for the board period. */
        boolean noCurrent;
        /** The period has ended: freeze (mark closed) its current ranking. */
        boolean close;
        long generation;
        long rowsWritten;

        PeriodWrite(PeriodSnapshot snapshot) {
            this.snapshot = snapshot;
        }
    }

    /**
     * One transaction: entity_score upserts and deletes, the checkpoint offsets, and for every board period
     * that changed a new ranking generation that readers are switched to. Returns the rows written.
     */
    Uni<Long> write(List<PeriodWrite> writes, Map<String, Long> offsets) {
        return pool.withTransaction(conn -> {
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (PeriodWrite w : writes) {
                chain = chain.chain(() -> writeScores(conn, w));
            }
            chain = chain.chain(() -> writeOffsets(conn, offsets));
            for (PeriodWrite w : writes) {
                // Only board periods whose rows changed get a new generation.
                chain = chain.chain(() -> w.rowsWritten > 0 || w.noCurrent || w.forceRewrite
                        ? rewriteRanking(conn, w) : Uni.createFrom().voidItem());
                if (w.close) {
                    chain = chain.chain(() -> conn.preparedQuery("""
                            UPDATE ranking_current SET closed_at = now() WHERE board = $1 AND period = $2 AND closed_at IS NULL
                            """).execute(Tuple.of(w.snapshot.board, w.snapshot.period)).replaceWithVoid());
                }
            }
            return chain.map(x -> writes.stream().mapToLong(w -> w.rowsWritten).sum());
        });
    }

    private Uni<Void> writeScores(SqlConnection conn, PeriodWrite w) {
        PeriodSnapshot s = w.snapshot;
        int n = w.fullSync ? s.size : w.upserts.length;
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (int from = 0; from < n; from += CHUNK) {
            int start = from;
            int to = Math.min(n, from + CHUNK);
            chain = chain.chain(() -> {
                String[] entities = new String[to - start];
                Double[] scores = new Double[to - start];
                Long[] reached = new Long[to - start];
                for (int i = start; i < to; i++) {
                    int p = w.fullSync ? i : w.upserts[i];
                    entities[i - start] = s.entities[p];
                    scores[i - start] = s.scores[p];
                    reached[i - start] = s.reachedAt[p];
                }
                return conn.preparedQuery("""
                        INSERT INTO entity_score (board, period, entity, score, reached_at)
                        SELECT $1, $2, u.e, u.s, u.r FROM unnest($3::text[], $4::float8[], $5::int8[]) AS u(e, s, r)
                        ON CONFLICT (board, period, entity) DO UPDATE
                            SET score = EXCLUDED.score, reached_at = EXCLUDED.reached_at, updated_at = now()
                            WHERE (entity_score.score, entity_score.reached_at)
                                IS DISTINCT FROM (EXCLUDED.score, EXCLUDED.reached_at)
                        """).execute(Tuple.tuple().addString(s.board).addString(s.period).addArrayOfString(entities)
                                .addArrayOfDouble(scores).addArrayOfLong(reached))
                        .invoke(rows -> w.rowsWritten += rows.rowCount()).replaceWithVoid();
            });
        }
        if (w.fullSync) {
            // Anti-join as EXCEPT (hashed or sorted set operation, O(n log n) at worst): a NOT EXISTS over
            // unnest() is planned as a nested loop (unnest is estimated at 100 rows) and took minutes at 100k.
            // The rows were upserted in this very transaction, so the planner's statistics still describe the
            // table as it was (often empty): it then picks a nested loop that re-runs the EXCEPT for every row,
            // O(n^2) (80 s at 100k). Hash joins are right here whatever the statistics say.
            String[] all = java.util.Arrays.copyOf(s.entities, s.size);
            chain = chain.chain(() -> conn.query("SET LOCAL enable_nestloop = off").execute().replaceWithVoid());
            chain = chain.chain(() -> conn.preparedQuery("""
                    DELETE FROM entity_score e WHERE e.board = $1 AND e.period = $2 AND e.entity IN (
                        SELECT s.entity FROM entity_score s WHERE s.board = $1 AND s.period = $2
                        EXCEPT
                        SELECT u.x COLLATE "C" FROM unnest($3::text[]) AS u(x))
                    """).execute(Tuple.tuple().addString(s.board).addString(s.period).addArrayOfString(all))
                    .invoke(rows -> w.rowsWritten += rows.rowCount()).replaceWithVoid());
        } else if (w.deletes.length > 0) {
            chain = chain.chain(() -> conn.preparedQuery("""
                    DELETE FROM entity_score WHERE board = $1 AND period = $2 AND entity = ANY($3::text[])
                    """).execute(Tuple.tuple().addString(s.board).addString(s.period).addArrayOfString(w.deletes))
                    .invoke(rows -> w.rowsWritten += rows.rowCount()).replaceWithVoid());
        }
        return chain;
    }

    private static Uni<Void> writeOffsets(SqlConnection conn, Map<String, Long> offsets) {
        if (offsets.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String[] topics = new String[offsets.size()];
        Integer[] partitions = new Integer[offsets.size()];
        Long[] values = new Long[offsets.size()];
        int i = 0;
        for (Map.Entry<String, Long> e : offsets.entrySet()) {
            int slash = e.getKey().lastIndexOf('/');
            topics[i] = e.getKey().substring(0, slash);
            partitions[i] = Integer.parseInt(e.getKey().substring(slash + 1));
            values[i] = e.getValue();
            i++;
        }
        return conn.preparedQuery("""
                INSERT INTO ingest_checkpoint (topic, partition, "offset")
                SELECT * FROM unnest($1::text[], $2::int4[], $3::int8[])
                ON CONFLICT (topic, partition) DO UPDATE SET "offset" = EXCLUDED."offset", updated_at = now()
                """).execute(Tuple.tuple().addArrayOfString(topics).addArrayOfInteger(partitions).addArrayOfLong(values))
                .replaceWithVoid();
    }

    /** ROW_NUMBER by the full tie-break; RANK and DENSE_RANK by the score alone, so ties share them. */
    static String rankingInsert(Order order) {
        String dir = order == Order.DESC ? "DESC" : "ASC";
        return "INSERT INTO ranking (board, period, generation, ordinal_rank, competition_rank, dense_rank, entity, score,"
                + " reached_at) SELECT board, period, $3,"
                + " row_number() OVER (ORDER BY score " + dir + ", reached_at, entity COLLATE \"C\"),"
                + " rank() OVER (ORDER BY score " + dir + "),"
                + " dense_rank() OVER (ORDER BY score " + dir + "),"
                + " entity, score, reached_at FROM entity_score WHERE board = $1 AND period = $2";
    }

    private static Uni<Void> rewriteRanking(SqlConnection conn, PeriodWrite w) {
        PeriodSnapshot s = w.snapshot;
        Tuple bp = Tuple.of(s.board, s.period);
        return conn.preparedQuery("SELECT generation FROM ranking_current WHERE board = $1 AND period = $2 FOR UPDATE")
                .execute(bp)
                .map(rows -> rows.size() == 0 ? 1L : rows.iterator().next().getLong(0) + 1)
                .chain(gen -> conn.preparedQuery(rankingInsert(s.order))
                        .execute(Tuple.of(s.board, s.period, gen))
                        .chain(inserted -> conn.preparedQuery("""
                                INSERT INTO ranking_current (board, period, generation, entries, reconciled_at)
                                VALUES ($1, $2, $3, $4, now())
                                ON CONFLICT (board, period) DO UPDATE SET generation = EXCLUDED.generation,
                                    entries = EXCLUDED.entries, reconciled_at = EXCLUDED.reconciled_at, released_at = NULL
                                """).execute(Tuple.of(s.board, s.period, gen, (long) inserted.rowCount())))
                        .invoke(() -> w.generation = gen))
                .replaceWithVoid();
    }

    /** Drops generations older than the previous one (kept so a reader paging through it can finish). */
    Uni<Long> dropOldGenerations(String board, String period, long current) {
        return pool.preparedQuery("DELETE FROM ranking WHERE board = $1 AND period = $2 AND generation < $3")
                .execute(Tuple.of(board, period, current - 1)).map(rows -> (long) rows.rowCount());
    }

    /** State of one board period's ranking in PostgreSQL. */
    public record Current(String board, String period, long generation, long entries, OffsetDateTime reconciledAt,
            OffsetDateTime closedAt, OffsetDateTime releasedAt) {
    }

    Uni<Map<String, Current>> currents() {
        return pool.query("SELECT board, period, generation, entries, reconciled_at, closed_at, released_at FROM ranking_current")
                .execute().map(rows -> {
                    Map<String, Current> result = new HashMap<>();
                    for (Row r : rows) {
                        Current c = current(r);
                        result.put(c.board() + "@" + c.period(), c);
                    }
                    return result;
                });
    }

    private static Current current(Row r) {
        return new Current(r.getString("board"), r.getString("period"), r.getLong("generation"), r.getLong("entries"),
                r.getOffsetDateTime("reconciled_at"), r.getOffsetDateTime("closed_at"), r.getOffsetDateTime("released_at"));
    }

    /** Rows of entity_score per board period. */
    Uni<Map<String, Long>> scoreCounts() {
        return pool.query("SELECT board, period, count(*) FROM entity_score GROUP BY board, period").execute().map(rows -> {
            Map<String, Long> result = new HashMap<>();
            rows.forEach(r -> result.put(r.getString(0) + "@" + r.getString(1), r.getLong(2)));
            return result;
        });
    }

    /** The SQL twin of {@link PeriodSnapshot#checksum()}: sum of 60-bit md5 prefixes, modulo 2^64, unsigned. */
    Uni<String> checksum(String board, String period) {
        return pool.preparedQuery("""
                SELECT coalesce(sum(('x' || substr(md5(convert_to(entity, 'UTF8') || float8send(score)
                    || int8send(reached_at)), 1, 15))::bit(60)::bigint), 0) % 18446744073709551616
                FROM entity_score WHERE board = $1 AND period = $2
                """).execute(Tuple.of(board, period))
                .map(rows -> rows.iterator().next().getBigDecimal(0).toBigInteger().toString());
    }

    /** The current generation's rows at the given 1-based ordinal ranks. */
    Uni<Map<Long, Row>> sampleRanks(String board, String period, long generation, Long[] ordinals) {
        return pool.preparedQuery("""
                SELECT ordinal_rank, competition_rank, dense_rank, entity, score, reached_at FROM ranking
                WHERE board = $1 AND period = $2 AND generation = $3 AND ordinal_rank = ANY($4::int8[])
                """).execute(Tuple.tuple().addString(board).addString(period).addLong(generation).addArrayOfLong(ordinals))
                .map(rows -> {
                    Map<Long, Row> result = new HashMap<>();
                    rows.forEach(r -> result.put(r.getLong("ordinal_rank"), r));
                    return result;
                });
    }

    Uni<Void> insertRun(OffsetDateTime started, int boardPeriods, long rows, int driftFound, int driftRepaired,
            long durationMs, long snapshotMs) {
        return pool.preparedQuery("""
                INSERT INTO reconcile_run (started, finished, board_periods, rows, drift_found, drift_repaired,
                    duration_ms, snapshot_ms) VALUES ($1, now(), $2, $3, $4, $5, $6, $7)
                """).execute(Tuple.from(List.of(started, boardPeriods, rows, driftFound, driftRepaired, durationMs,
                        snapshotMs))).replaceWithVoid();
    }

    Uni<Void> markReleased(String board, String period) {
        return pool.preparedQuery("UPDATE ranking_current SET released_at = now() WHERE board = $1 AND period = $2")
                .execute(Tuple.of(board, period)).replaceWithVoid();
    }

    // --- The checkpoint, read back to restore Redis after a loss -----------------------------------------

    /** A checkpoint read in one REPEATABLE READ transaction: the offsets and the scores they reflect. */
    public record Checkpoint(Map<String, Long> offsets, Map<String, List<Object[]>> periods) {
    }

    /**
     * Reads the whole checkpoint consistently; board periods released after their retention are left out.
     * Each period's rows come as {entity, score, reachedAt} triples in rank-independent order.
     */
    public Uni<Checkpoint> readCheckpoint() {
        return pool.withConnection(conn -> conn.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").execute()
                .chain(() -> conn.query("SELECT topic, partition, \"offset\" FROM ingest_checkpoint").execute())
                .chain(offsetRows -> {
                    Map<String, Long> offsets = new LinkedHashMap<>();
                    offsetRows.forEach(r -> offsets.put(r.getString(0) + "/" + r.getInteger(1), r.getLong(2)));
                    return conn.query("""
                            SELECT DISTINCT s.board, s.period FROM entity_score s
                            WHERE NOT EXISTS (SELECT 1 FROM ranking_current c WHERE c.board = s.board
                                AND c.period = s.period AND c.released_at IS NOT NULL)
                            """).execute().chain(bpRows -> {
                        List<String[]> bps = new ArrayList<>();
                        bpRows.forEach(r -> bps.add(new String[] {r.getString(0), r.getString(1)}));
                        Map<String, List<Object[]>> periods = new LinkedHashMap<>();
                        return Multi.createFrom().iterable(bps).onItem().transformToUniAndConcatenate(bp -> {
                            List<Object[]> rows = new ArrayList<>();
                            periods.put(bp[0] + "@" + bp[1], rows);
                            return readScores(conn, bp[0], bp[1], "", rows);
                        }).collect().last().replaceWith(new Checkpoint(offsets, periods));
                    });
                })
                .call(() -> conn.query("COMMIT").execute()));
    }

    private Uni<Void> readScores(SqlConnection conn, String board, String period, String after, List<Object[]> into) {
        return conn.preparedQuery("""
                SELECT entity, score, reached_at FROM entity_score WHERE board = $1 AND period = $2 AND entity > $3
                ORDER BY entity LIMIT $4
                """).execute(Tuple.of(board, period, after, CHUNK)).chain(rows -> {
                    String last = null;
                    for (Row r : rows) {
                        last = r.getString(0);
                        into.add(new Object[] {last, r.getDouble(1), r.getLong(2)});
                    }
                    return rows.size() < CHUNK ? Uni.createFrom().voidItem() : readScores(conn, board, period, last, into);
                });
    }

    // --- Reads for the API ----------------------------------------------------------------------------

    /** One page of a ranking generation, read in one statement (so never a mix of generations). */
    public record RankingPage(long currentGeneration, OffsetDateTime reconciledAt, long generation, List<Row> rows) {
    }

    /** Null when the board period has never been reconciled. */
    public Uni<RankingPage> page(String board, String period, Long generation, long afterOrdinal, int limit) {
        return pool.preparedQuery("""
                WITH cur AS (SELECT generation, reconciled_at FROM ranking_current WHERE board = $1 AND period = $2),
                page AS (SELECT r.generation AS page_generation, r.ordinal_rank, r.competition_rank, r.dense_rank,
                             r.entity, r.score, r.reached_at
                         FROM ranking r, cur
                         WHERE r.board = $1 AND r.period = $2 AND r.generation = coalesce($3, cur.generation)
                             AND r.ordinal_rank > $4
                         ORDER BY r.ordinal_rank LIMIT $5)
                SELECT cur.generation, cur.reconciled_at, page.* FROM cur LEFT JOIN page ON true
                ORDER BY page.ordinal_rank
                """).execute(Tuple.tuple().addString(board).addString(period).addLong(generation).addLong(afterOrdinal)
                        .addInteger(limit))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    List<Row> entries = new ArrayList<>();
                    Row first = rows.iterator().next();
                    for (Row r : rows) {
                        if (r.getValue("ordinal_rank") != null) {
                            entries.add(r);
                        }
                    }
                    long current = first.getLong(0);
                    return new RankingPage(current, first.getOffsetDateTime(1), generation == null ? current : generation,
                            entries);
                });
    }

    public Uni<List<Current>> closedPeriods(String board) {
        return pool.preparedQuery("""
                SELECT board, period, generation, entries, reconciled_at, closed_at, released_at FROM ranking_current
                WHERE board = $1 AND closed_at IS NOT NULL ORDER BY period DESC
                """).execute(Tuple.of(board)).map(rows -> {
                    List<Current> result = new ArrayList<>();
                    rows.forEach(r -> result.add(current(r)));
                    return result;
                });
    }

    /** The frozen top of a closed period; null if the period is not closed. */
    public Uni<List<Row>> frozenTop(String board, String period, int limit) {
        return pool.preparedQuery("""
                SELECT r.ordinal_rank, r.competition_rank, r.dense_rank, r.entity, r.score, r.reached_at
                FROM ranking_current c JOIN ranking r ON r.board = c.board AND r.period = c.period
                    AND r.generation = c.generation
                WHERE c.board = $1 AND c.period = $2 AND c.closed_at IS NOT NULL
                ORDER BY r.ordinal_rank LIMIT $3
                """).execute(Tuple.of(board, period, limit)).map(rows -> {
                    List<Row> result = new ArrayList<>();
                    rows.forEach(result::add);
                    return result;
                });
    }
}
