package io.standings.reconcile;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.standings.index.Order;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The PostgreSQL side of reconciliation (tables in V2__reconciliation.sql), through the reactive client.
 * Bulk writes bind whole arrays ({@code unnest($n::text[], ...)}), never one statement per row.
 */
@ApplicationScoped
public class Checkpoints {

    static final int CHUNK = 50_000;

    private final Pool pool;
    /** Sent at the start of every reconciler transaction (statement_timeout, work_mem, jit). */
    private final String sessionSettings;
    private final long statementTimeoutMs;
    private final String workMem;

    public Checkpoints(Pool pool,
            @ConfigProperty(name = "standings.reconcile.statement-timeout") Duration statementTimeout,
            @ConfigProperty(name = "standings.reconcile.work-mem") String workMem) {
        this.pool = pool;
        this.statementTimeoutMs = statementTimeout.toMillis();
        this.workMem = workMem;
        if (!workMem.matches("[0-9]+(kB|MB|GB)")) {
            throw new IllegalArgumentException("standings.reconcile.work-mem must look like 256MB, not " + workMem);
        }
        // jit off: the reconciler's statements are simple scans, sorts and inserts over many rows, for which
        // the planner's costs trigger JIT compilation that costs more than it saves.
        this.sessionSettings = "SET LOCAL statement_timeout = " + statementTimeoutMs + "; SET LOCAL work_mem = '" + workMem
                + "'; SET LOCAL jit = off";
    }

    long statementTimeoutMs() {
        return statementTimeoutMs;
    }

    /** A reconciler transaction: statement_timeout, so that a stuck statement fails the run instead of holding it. */
    <T> Uni<T> inTransaction(java.util.function.Function<SqlConnection, Uni<T>> work) {
        return pool.withTransaction(conn -> conn.query(sessionSettings).execute().chain(() -> work.apply(conn)));
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
        /** board_period.id, resolved in the transaction. */
        int bpId;
        long generation;
        long rowsWritten;
        /** Time spent writing entity_score and the ranking (for the debug log of a run). */
        long scoresNanos;
        long rankingNanos;

        PeriodWrite(PeriodSnapshot snapshot) {
            this.snapshot = snapshot;
        }
    }

    /**
     * One transaction: entity_score upserts and deletes, the checkpoint offsets, and for every board period
     * that changed a new ranking generation that readers are switched to. Returns the rows written.
     */
    Uni<Long> write(List<PeriodWrite> writes, Map<String, Long> offsets) {
        return inTransaction(conn -> {
            Uni<Void> chain = resolveIds(conn, writes);
            for (PeriodWrite w : writes) {
                chain = chain.chain(() -> {
                    long t0 = System.nanoTime();
                    return writeScores(conn, w).invoke(() -> w.scoresNanos = System.nanoTime() - t0);
                });
            }
            chain = chain.chain(() -> writeOffsets(conn, offsets));
            for (PeriodWrite w : writes) {
                // Only board periods whose rows changed get a new generation.
                chain = chain.chain(() -> w.rowsWritten > 0 || w.noCurrent || w.forceRewrite
                        ? timed(rewriteRanking(conn, w), nanos -> w.rankingNanos = nanos) : Uni.createFrom().voidItem());
                if (w.close) {
                    chain = chain.chain(() -> conn.preparedQuery("""
                            UPDATE ranking_current SET closed_at = now() WHERE board = $1 AND period = $2 AND closed_at IS NULL
                            """).execute(Tuple.of(w.snapshot.board, w.snapshot.period)).replaceWithVoid());
                }
            }
            return chain.map(x -> writes.stream().mapToLong(w -> w.rowsWritten).sum());
        });
    }

    private static Uni<Void> timed(Uni<Void> work, java.util.function.LongConsumer nanos) {
        return Uni.createFrom().deferred(() -> {
            long t0 = System.nanoTime();
            return work.invoke(() -> nanos.accept(System.nanoTime() - t0));
        });
    }

    /** Gives every written board period its board_period id, creating the missing ones (no sequence value spent otherwise). */
    private static Uni<Void> resolveIds(SqlConnection conn, List<PeriodWrite> writes) {
        if (writes.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String[] boards = writes.stream().map(w -> w.snapshot.board).toArray(String[]::new);
        String[] periods = writes.stream().map(w -> w.snapshot.period).toArray(String[]::new);
        return conn.preparedQuery("""
                WITH u AS (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS u(board, period)),
                ins AS (INSERT INTO board_period (board, period)
                        SELECT board, period FROM u
                        WHERE NOT EXISTS (SELECT 1 FROM board_period b WHERE b.board = u.board AND b.period = u.period)
                        ON CONFLICT DO NOTHING RETURNING id, board, period)
                SELECT id, board, period FROM ins
                UNION ALL SELECT b.id, b.board, b.period FROM board_period b JOIN u USING (board, period)
                """).execute(Tuple.tuple().addArrayOfString(boards).addArrayOfString(periods)).invoke(rows -> {
                    Map<String, Integer> ids = new HashMap<>();
                    rows.forEach(r -> ids.put(r.getString(1) + "@" + r.getString(2), r.getInteger(0)));
                    for (PeriodWrite w : writes) {
                        Integer id = ids.get(w.snapshot.board + "@" + w.snapshot.period);
                        if (id == null) {
                            throw new IllegalStateException("no board_period id for " + w.snapshot.boardPeriod);
                        }
                        w.bpId = id;
                    }
                }).replaceWithVoid();
    }

    /**
     * Rows of a board period that has none yet: plain INSERT, no conflict handling (a conflict would be a bug
     * and fails the transaction). Measured on 1M rows: 2.5× faster than INSERT … ON CONFLICT into the same
     * empty table, because ON CONFLICT makes every row a speculative insertion.
     */
    private static String insertScores(String table) {
        return "INSERT INTO " + table + " (bp_id, entity, score, reached_at)"
                + " SELECT $1, u.e, u.s, u.r FROM unnest($2::text[], $3::float8[], $4::int8[]) AS u(e, s, r)";
    }

    /**
     * Rows that may exist: UPDATE the existing ones that differ, INSERT the absent ones, in one statement (both
     * parts see the table as it was before it). Unchanged rows are not written (no new tuple, no row lock:
     * ON CONFLICT DO UPDATE locks every conflicting row even when its WHERE skips it; 1M unchanged rows
     * 2.3 s instead of 6.2 s). Only the reconciler, holding the advisory lock, writes entity_score: an absent
     * row cannot appear in between.
     */
    private static final String UPSERT_SCORES = """
            WITH u AS (SELECT e COLLATE "C" AS e, s, r FROM unnest($2::text[], $3::float8[], $4::int8[]) AS u(e, s, r)),
            upd AS (UPDATE entity_score x SET score = u.s, reached_at = u.r FROM u
                    WHERE x.bp_id = $1 AND x.entity = u.e AND (x.score, x.reached_at) IS DISTINCT FROM (u.s, u.r)
                    RETURNING 1),
            ins AS (INSERT INTO entity_score (bp_id, entity, score, reached_at)
                    SELECT $1, u.e, u.s, u.r FROM u
                    WHERE NOT EXISTS (SELECT 1 FROM entity_score x WHERE x.bp_id = $1 AND x.entity = u.e)
                    RETURNING 1)
            SELECT (SELECT count(*) FROM upd) + (SELECT count(*) FROM ins)
            """;

    /** entity_score is partitioned by board period (V3): one table per board_period id. */
    static String partition(int bpId) {
        return "entity_score_" + bpId;
    }

    private Uni<Void> writeScores(SqlConnection conn, PeriodWrite w) {
        return conn.preparedQuery("SELECT to_regclass($2) IS NOT NULL, EXISTS (SELECT 1 FROM entity_score WHERE bp_id = $1)")
                .execute(Tuple.of(w.bpId, partition(w.bpId))).chain(rows -> {
                    Row r = rows.iterator().next();
                    boolean partitioned = r.getBoolean(0);
                    boolean any = r.getBoolean(1);
                    if (!partitioned && w.fullSync) {
                        return newPartition(conn, w);
                    }
                    Uni<Void> ready = partitioned ? Uni.createFrom().voidItem()
                            : conn.query("CREATE TABLE " + partition(w.bpId) + " PARTITION OF entity_score FOR VALUES IN ("
                                    + w.bpId + ") WITH (fillfactor = 90)").execute().replaceWithVoid();
                    if (w.fullSync && !any) {
                        return ready.chain(() -> writeChunks(conn, w, insertScores(partition(w.bpId)), false));
                    }
                    Uni<Void> upserted = ready.chain(() -> writeChunks(conn, w, UPSERT_SCORES, true));
                    if (w.fullSync) {
                        return upserted.chain(() -> deleteGone(conn, w));
                    }
                    return upserted.chain(() -> w.deletes.length == 0 ? Uni.createFrom().voidItem()
                            : conn.preparedQuery("DELETE FROM entity_score WHERE bp_id = $1 AND entity = ANY($2::text[])")
                                    .execute(Tuple.tuple().addInteger(w.bpId).addArrayOfString(w.deletes))
                                    .invoke(deleted -> w.rowsWritten += deleted.rowCount()).replaceWithVoid());
                });
    }

    /**
     * First write of a board period: its partition is created without an index, filled with plain INSERTs,
     * then indexed (one sorted build instead of a million B-tree insertions: on 1M rows ≈ 0.6 s + 0.8 s
     * instead of ≈ 4.5 s) and attached. The CHECK constraint lets ATTACH skip its validation scan. All of it
     * in the checkpoint transaction: a rollback leaves no table behind. Nobody else sees the table before
     * the commit (ATTACH takes SHARE UPDATE EXCLUSIVE on entity_score: reads and writes go on).
     */
    private Uni<Void> newPartition(SqlConnection conn, PeriodWrite w) {
        String table = partition(w.bpId);
        return conn.query("CREATE TABLE " + table + " (LIKE entity_score) WITH (fillfactor = 90); ALTER TABLE " + table
                + " ADD CHECK (bp_id = " + w.bpId + ")").execute()
                .chain(() -> writeChunks(conn, w, insertScores(table), false))
                .chain(() -> conn.query("SET LOCAL maintenance_work_mem = '" + workMem + "'; ALTER TABLE " + table
                        + " ADD PRIMARY KEY (bp_id, entity); ALTER TABLE entity_score ATTACH PARTITION " + table
                        + " FOR VALUES IN (" + w.bpId + ")").execute())
                .replaceWithVoid();
    }

    /**
     * Full sync of a board period that had rows: every snapshot entity is in entity_score now, so it holds
     * exactly the snapshot when it counts snapshot.size rows; only then is the anti-join skipped.
     */
    private static Uni<Void> deleteGone(SqlConnection conn, PeriodWrite w) {
        PeriodSnapshot s = w.snapshot;
        return conn.preparedQuery("SELECT count(*) FROM entity_score WHERE bp_id = $1").execute(Tuple.of(w.bpId))
                .map(rows -> rows.iterator().next().getLong(0)).chain(count -> {
                    if (count == s.size) {
                        return Uni.createFrom().voidItem();
                    }
                    // Hash anti-join, whatever the (stale: rows were written in this very transaction)
                    // statistics say: a nested loop re-running the unnest per row is O(n^2).
                    String[] all = java.util.Arrays.copyOf(s.entities, s.size);
                    return conn.query("SET LOCAL enable_nestloop = off").execute()
                            .chain(() -> conn.preparedQuery("""
                                    DELETE FROM entity_score e WHERE e.bp_id = $1 AND NOT EXISTS (
                                        SELECT 1 FROM unnest($2::text[]) AS u(x) WHERE u.x COLLATE "C" = e.entity)
                                    """).execute(Tuple.tuple().addInteger(w.bpId).addArrayOfString(all)))
                            .invoke(rows -> w.rowsWritten += rows.rowCount())
                            .chain(() -> conn.query("SET LOCAL enable_nestloop = on").execute()).replaceWithVoid();
                });
    }

    /** Sends the rows in chunks, all of them at once (pipelined on the connection: encoding overlaps execution). */
    private static Uni<Void> writeChunks(SqlConnection conn, PeriodWrite w, String sql, boolean counted) {
        PeriodSnapshot s = w.snapshot;
        int n = w.fullSync ? s.size : w.upserts.length;
        if (n == 0) {
            return Uni.createFrom().voidItem();
        }
        List<Uni<Long>> chunks = new ArrayList<>();
        for (int from = 0; from < n; from += CHUNK) {
            int start = from;
            int to = Math.min(n, from + CHUNK);
            String[] entities = new String[to - start];
            Double[] scores = new Double[to - start];
            Long[] reached = new Long[to - start];
            for (int i = start; i < to; i++) {
                int p = w.fullSync ? i : w.upserts[i];
                entities[i - start] = s.entities[p];
                scores[i - start] = s.scores[p];
                reached[i - start] = s.reachedAt[p];
            }
            chunks.add(conn.preparedQuery(sql).execute(Tuple.tuple().addInteger(w.bpId).addArrayOfString(entities)
                    .addArrayOfDouble(scores).addArrayOfLong(reached))
                    .map(rows -> counted ? rows.iterator().next().getLong(0) : (long) rows.rowCount()));
        }
        return Uni.join().all(chunks).andFailFast().invoke(counts -> counts.forEach(c -> w.rowsWritten += c))
                .replaceWithVoid();
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
        return "INSERT INTO ranking (bp_id, generation, ordinal_rank, competition_rank, dense_rank, entity, score,"
                + " reached_at) SELECT bp_id, $2,"
                + " row_number() OVER (ORDER BY score " + dir + ", reached_at, entity COLLATE \"C\"),"
                + " rank() OVER (ORDER BY score " + dir + "),"
                + " dense_rank() OVER (ORDER BY score " + dir + "),"
                + " entity, score, reached_at FROM entity_score WHERE bp_id = $1";
    }

    private static Uni<Void> rewriteRanking(SqlConnection conn, PeriodWrite w) {
        PeriodSnapshot s = w.snapshot;
        return conn.preparedQuery("SELECT generation FROM ranking_current WHERE board = $1 AND period = $2 FOR UPDATE")
                .execute(Tuple.of(s.board, s.period))
                .map(rows -> rows.size() == 0 ? 1L : rows.iterator().next().getLong(0) + 1)
                .chain(gen -> conn.preparedQuery(rankingInsert(s.order))
                        .execute(Tuple.of(w.bpId, gen))
                        .chain(inserted -> conn.preparedQuery("""
                                INSERT INTO ranking_current (board, period, bp_id, generation, entries, reconciled_at)
                                VALUES ($1, $2, $3, $4, $5, now())
                                ON CONFLICT (board, period) DO UPDATE SET generation = EXCLUDED.generation,
                                    entries = EXCLUDED.entries, reconciled_at = EXCLUDED.reconciled_at, released_at = NULL
                                """).execute(Tuple.of(s.board, s.period, w.bpId, gen, (long) inserted.rowCount())))
                        .invoke(() -> w.generation = gen))
                .replaceWithVoid();
    }

    /** Drops generations older than the previous one (kept so a reader paging through it can finish). */
    Uni<Long> dropOldGenerations(int bpId, long current) {
        return inTransaction(conn -> conn.preparedQuery("DELETE FROM ranking WHERE bp_id = $1 AND generation < $2")
                .execute(Tuple.of(bpId, current - 1)).map(rows -> (long) rows.rowCount()));
    }

    /** State of one board period's ranking in PostgreSQL. */
    public record Current(String board, String period, int bpId, long generation, long entries,
            OffsetDateTime reconciledAt, OffsetDateTime closedAt, OffsetDateTime releasedAt) {
    }

    Uni<Map<String, Current>> currents() {
        return inTransaction(conn -> conn.query("SELECT board, period, bp_id, generation, entries, reconciled_at, closed_at, released_at FROM ranking_current")
                .execute()).map(rows -> {
                    Map<String, Current> result = new HashMap<>();
                    for (Row r : rows) {
                        Current c = current(r);
                        result.put(c.board() + "@" + c.period(), c);
                    }
                    return result;
                });
    }

    private static Current current(Row r) {
        return new Current(r.getString("board"), r.getString("period"), r.getInteger("bp_id"), r.getLong("generation"),
                r.getLong("entries"),
                r.getOffsetDateTime("reconciled_at"), r.getOffsetDateTime("closed_at"), r.getOffsetDateTime("released_at"));
    }

    /** Rows of entity_score per board period. */
    Uni<Map<String, Long>> scoreCounts() {
        return inTransaction(conn -> conn.query("""
                SELECT b.board, b.period, c.n FROM (SELECT bp_id, count(*) AS n FROM entity_score GROUP BY bp_id) c
                JOIN board_period b ON b.id = c.bp_id
                """).execute()).map(rows -> {
            Map<String, Long> result = new HashMap<>();
            rows.forEach(r -> result.put(r.getString(0) + "@" + r.getString(1), r.getLong(2)));
            return result;
        });
    }

    /** The SQL twin of {@link PeriodSnapshot#checksum()}: sum of 60-bit md5 prefixes, modulo 2^64, unsigned. */
    Uni<String> checksum(int bpId) {
        return inTransaction(conn -> conn.preparedQuery("""
                SELECT coalesce(sum(('x' || substr(md5(convert_to(entity, 'UTF8') || float8send(score)
                    || int8send(reached_at)), 1, 15))::bit(60)::bigint), 0) % 18446744073709551616
                FROM entity_score WHERE bp_id = $1
                """).execute(Tuple.of(bpId)))
                .map(rows -> rows.iterator().next().getBigDecimal(0).toBigInteger().toString());
    }

    /** The current generation's rows at the given 1-based ordinal ranks. */
    Uni<Map<Long, Row>> sampleRanks(int bpId, long generation, Long[] ordinals) {
        return inTransaction(conn -> conn.preparedQuery("""
                SELECT ordinal_rank, competition_rank, dense_rank, entity, score, reached_at FROM ranking
                WHERE bp_id = $1 AND generation = $2 AND ordinal_rank = ANY($3::int8[])
                """).execute(Tuple.tuple().addInteger(bpId).addLong(generation).addArrayOfLong(ordinals)))
                .map(rows -> {
                    Map<Long, Row> result = new HashMap<>();
                    rows.forEach(r -> result.put(r.getLong("ordinal_rank"), r));
                    return result;
                });
    }

    Uni<Void> insertRun(OffsetDateTime started, int boardPeriods, long rows, int driftFound, int driftRepaired,
            long durationMs, long snapshotMs) {
        return inTransaction(conn -> conn.preparedQuery("""
                INSERT INTO reconcile_run (started, finished, board_periods, rows, drift_found, drift_repaired,
                    duration_ms, snapshot_ms) VALUES ($1, now(), $2, $3, $4, $5, $6, $7)
                """).execute(Tuple.from(List.of(started, boardPeriods, rows, driftFound, driftRepaired, durationMs,
                        snapshotMs)))).replaceWithVoid();
    }

    Uni<Void> markReleased(String board, String period) {
        return inTransaction(conn -> conn.preparedQuery("UPDATE ranking_current SET released_at = now() WHERE board = $1 AND period = $2")
                .execute(Tuple.of(board, period))).replaceWithVoid();
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
        // One snapshot for offsets and scores; statement_timeout like every reconciler statement; on failure
        // the transaction is rolled back before the connection goes back to the pool.
        return pool.withConnection(conn -> conn.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").execute()
                .chain(() -> conn.query("SET LOCAL statement_timeout = " + statementTimeoutMs).execute())
                .chain(() -> conn.query("SELECT topic, partition, \"offset\" FROM ingest_checkpoint").execute())
                .chain(offsetRows -> {
                    Map<String, Long> offsets = new LinkedHashMap<>();
                    offsetRows.forEach(r -> offsets.put(r.getString(0) + "/" + r.getInteger(1), r.getLong(2)));
                    return conn.query("""
                            SELECT b.id, b.board, b.period FROM board_period b
                            WHERE EXISTS (SELECT 1 FROM entity_score s WHERE s.bp_id = b.id)
                                AND NOT EXISTS (SELECT 1 FROM ranking_current c WHERE c.bp_id = b.id
                                    AND c.released_at IS NOT NULL)
                            ORDER BY b.id
                            """).execute().chain(bpRows -> {
                        List<Object[]> bps = new ArrayList<>();
                        bpRows.forEach(r -> bps.add(new Object[] {r.getInteger(0), r.getString(1), r.getString(2)}));
                        Map<String, List<Object[]>> periods = new LinkedHashMap<>();
                        return Multi.createFrom().iterable(bps).onItem().transformToUniAndConcatenate(bp -> {
                            List<Object[]> rows = new ArrayList<>();
                            periods.put(bp[1] + "@" + bp[2], rows);
                            return readScores(conn, (Integer) bp[0], "", rows);
                        }).collect().last().replaceWith(new Checkpoint(offsets, periods));
                    });
                })
                .call(() -> conn.query("COMMIT").execute())
                .onFailure().call(() -> conn.query("ROLLBACK").execute().onFailure().recoverWithNull()));
    }

    private Uni<Void> readScores(SqlConnection conn, int bpId, String after, List<Object[]> into) {
        return conn.preparedQuery("""
                SELECT entity, score, reached_at FROM entity_score WHERE bp_id = $1 AND entity > $2
                ORDER BY entity LIMIT $3
                """).execute(Tuple.of(bpId, after, CHUNK)).chain(rows -> {
                    String last = null;
                    for (Row r : rows) {
                        last = r.getString(0);
                        into.add(new Object[] {last, r.getDouble(1), r.getLong(2)});
                    }
                    return rows.size() < CHUNK ? Uni.createFrom().voidItem() : readScores(conn, bpId, last, into);
                });
    }

    // --- Reads for the API ----------------------------------------------------------------------------

    /** One page of a ranking generation, read in one statement (so never a mix of generations). */
    public record RankingPage(long currentGeneration, OffsetDateTime reconciledAt, long generation, List<Row> rows) {
    }

    /** Null when the board period has never been reconciled. */
    public Uni<RankingPage> page(String board, String period, Long generation, long afterOrdinal, int limit) {
        return pool.preparedQuery("""
                WITH cur AS (SELECT bp_id, generation, reconciled_at FROM ranking_current WHERE board = $1 AND period = $2),
                page AS (SELECT r.generation AS page_generation, r.ordinal_rank, r.competition_rank, r.dense_rank,
                             r.entity, r.score, r.reached_at
                         FROM ranking r, cur
                         WHERE r.bp_id = cur.bp_id AND r.generation = coalesce($3, cur.generation)
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
                SELECT board, period, bp_id, generation, entries, reconciled_at, closed_at, released_at FROM ranking_current
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
                FROM ranking_current c JOIN ranking r ON r.bp_id = c.bp_id AND r.generation = c.generation
                WHERE c.board = $1 AND c.period = $2 AND c.closed_at IS NOT NULL
                ORDER BY r.ordinal_rank LIMIT $3
                """).execute(Tuple.of(board, period, limit)).map(rows -> {
                    List<Row> result = new ArrayList<>();
                    rows.forEach(result::add);
                    return result;
                });
    }
}
