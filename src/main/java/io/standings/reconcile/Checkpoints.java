package io.standings.reconcile;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.standings.index.Entry;
import io.standings.index.Order;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
        /** A new ranking generation is built (set by {@link #write}); it is switched to only if rows changed. */
        boolean rewrite;
        /** The generation being built: the current one + 1. */
        long nextGeneration;
        /** Rows in the built generation. */
        long ranked;
        /** The generation's table exists (built from the stage on B, or inside A). */
        boolean built;
        /** The generation readers were switched to in this write, 0 if none. */
        long generation;
        long rowsWritten;
        /** Time spent staging, writing entity_score and building the ranking (for the debug log of a run). */
        long stageNanos;
        long scoresNanos;
        long rankingNanos;

        PeriodWrite(PeriodSnapshot snapshot) {
            this.snapshot = snapshot;
        }

        /** A full sync that may rewrite the ranking: its snapshot is staged and its generation built beside A. */
        boolean staged() {
            return rewrite && fullSync;
        }
    }

    /**
     * The quarantine at the snapshot: the "board/entity" marks and the held entries ("board@period" → entity →
     * entry) of quarantined entities, which are in no index and so in no PeriodSnapshot.
     */
    public record QuarantineState(Set<String> quarantined, Map<String, Map<String, Entry>> held) {
        static final QuarantineState EMPTY = new QuarantineState(Set.of(), Map.of());
    }

    /**
     * One transaction (connection A): entity_score upserts and deletes, the checkpoint offsets and the
     * quarantine, and a new ranking generation for every board period whose rows changed, which readers are
     * switched to (ranking_current); ended periods are frozen. Returns the rows written.
     * <p>
     * A full sync (first run of a process, drift repair) stages the snapshot once ({@link #stage}) and then
     * builds the generation on a second connection (B, {@link #buildGeneration}) while A writes the scores
     * from the same stage: two PostgreSQL backends on two cores, so a 1M-entry board period's ranking does
     * not wait for its scores. Back in A, a built generation is attached if the board period's rows did
     * change and dropped if not. Nobody sees it before A commits (readers only read the generation
     * ranking_current names, and it is not even attached before); if A fails after B committed, the next
     * build of that generation number drops the leftover first, and {@link #dropOldGenerations} sweeps any
     * other.
     * <p>
     * An incremental run (changed entities only) builds the generation inside A, after the scores, from
     * entity_score: no snapshot crosses the wire, and no generation is built when no row changed. (Staging
     * a million rows from the JVM on every run cost the event loops, which also run the ingest, about a
     * second each time.)
     */
    Uni<Long> write(List<PeriodWrite> writes, Map<String, Long> offsets, QuarantineState quarantine) {
        return inTransaction(conn -> resolveIds(conn, writes)
                .chain(() -> nextGenerations(conn, writes))
                .chain(() -> stageAll(writes))
                .chain(() -> Uni.combine().all()
                        .unis(writeScoresAndOffsets(conn, writes, offsets, quarantine), buildGenerations(writes))
                        .collectFailures().discardItems())
                .chain(() -> switchGenerations(conn, writes))
                .map(x -> writes.stream().mapToLong(w -> w.rowsWritten).sum()))
                .onTermination().call(() -> dropStages(writes));
    }

    /** The staged snapshot of a board period during a write (see {@link #stage}). */
    static String stageTable(int bpId) {
        return "reconcile_stage_" + bpId;
    }

    /** Stages every full sync that may rewrite a ranking, one after the other (connection S). */
    private Uni<Void> stageAll(List<PeriodWrite> writes) {
        return eachStaged(writes, this::stage, (w, nanos) -> w.stageNanos = nanos);
    }

    /** Runs {@code work} for every staged write, one after the other, recording how long each took. */
    private static Uni<Void> eachStaged(List<PeriodWrite> writes, java.util.function.Function<PeriodWrite, Uni<Void>> work,
            java.util.function.ObjLongConsumer<PeriodWrite> took) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (PeriodWrite w : writes) {
            if (w.staged()) {
                chain = chain.chain(() -> timed(work.apply(w), nanos -> took.accept(w, nanos)));
            }
        }
        return chain;
    }

    /**
     * The whole snapshot of a board period, in rank order, into an UNLOGGED table committed on its own
     * (no WAL; pipelined chunks of {@value #CHUNK} rows, see {@link #stageChunks}). It is sent once and read twice, at the same
     * time: by the checkpoint transaction (a full sync writes entity_score from it) and by the ranking build.
     * Dropped when the write ends, whatever the outcome; a leftover of a crashed process is replaced next time.
     */
    private Uni<Void> stage(PeriodWrite w) {
        String table = stageTable(w.bpId);
        return inTransaction(conn -> conn.query("DROP TABLE IF EXISTS " + table + "; CREATE UNLOGGED TABLE " + table
                + " (entity text COLLATE \"C\" NOT NULL, score float8 NOT NULL, reached_at int8 NOT NULL)").execute()
                .chain(() -> stageChunks(conn, w.snapshot, "INSERT INTO " + table
                        + " SELECT * FROM unnest(string_to_array($1, E'\\n'), $2::float8[], $3::int8[])"))
                .replaceWithVoid());
    }

    /**
     * The whole snapshot in chunks, all sent at once (pipelined). The entities of a chunk travel as one text
     * parameter, joined by '\n' and split by {@code string_to_array}: encoding a million-element text[]
     * was the slowest part of staging (≈ 1 µs per element on a just-started JVM, the server idle half the
     * time). An entity id never holds a control character (board.Ids, enforced on every way in).
     */
    private static Uni<Void> stageChunks(SqlConnection conn, PeriodSnapshot s, String sql) {
        // The arguments are built on a worker thread: a million rows took the event loop (which also runs the
        // ingest and the reads) for hundreds of milliseconds.
        return Uni.createFrom().item(() -> stageArguments(s)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(arguments -> {
                    List<Uni<RowSet<Row>>> chunks = new ArrayList<>();
                    arguments.forEach(args -> chunks.add(conn.preparedQuery(sql).execute(args)));
                    return chunks.isEmpty() ? Uni.createFrom().voidItem()
                            : Uni.join().all(chunks).andFailFast().replaceWithVoid();
                });
    }

    private static List<Tuple> stageArguments(PeriodSnapshot s) {
        List<Tuple> arguments = new ArrayList<>();
        for (int from = 0; from < s.size; from += CHUNK) {
            int to = Math.min(s.size, from + CHUNK);
            Double[] scores = new Double[to - from];
            Long[] reached = new Long[to - from];
            for (int i = from; i < to; i++) {
                scores[i - from] = s.scores[i];
                reached[i - from] = s.reachedAt[i];
            }
            arguments.add(Tuple.of(s.joinedEntities(from, to)).addArrayOfDouble(scores).addArrayOfLong(reached));
        }
        return arguments;
    }

    private Uni<Void> dropStages(List<PeriodWrite> writes) {
        String tables = writes.stream().filter(w -> w.staged() && w.bpId != 0).map(w -> stageTable(w.bpId))
                .collect(java.util.stream.Collectors.joining(", "));
        return tables.isEmpty() ? Uni.createFrom().voidItem()
                : inTransaction(conn -> conn.query("DROP TABLE IF EXISTS " + tables).execute())
                        .onFailure().invoke(e -> io.quarkus.logging.Log.debugf("Staged snapshots stay until the next write: %s",
                                e.getMessage()))
                        .onFailure().recoverWithNull().replaceWithVoid();
    }

    private Uni<Void> writeScoresAndOffsets(SqlConnection conn, List<PeriodWrite> writes, Map<String, Long> offsets,
            QuarantineState quarantine) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (PeriodWrite w : writes) {
            chain = chain.chain(() -> timed(writeScores(conn, w), nanos -> w.scoresNanos = nanos));
            chain = chain.chain(() -> w.rewrite && !w.staged() && (w.rowsWritten > 0 || w.noCurrent || w.forceRewrite)
                    ? timed(generation(conn, w, "entity_score WHERE bp_id = " + w.bpId), nanos -> w.rankingNanos = nanos)
                    : Uni.createFrom().voidItem());
        }
        return chain.chain(() -> writeOffsets(conn, offsets)).chain(() -> writeQuarantine(conn, quarantine))
                .chain(() -> pruneErasures(conn));
    }

    /**
     * The held entries of quarantined entities as of the checkpoint, rewritten whole (entities under review: a
     * small table). Without them a Redis loss would lose the held scores, and replaying Kafka from the
     * checkpoint would add the replayed events a second time to held scores that memory kept. The marks are
     * not part of the checkpoint: the admin API writes them when it is called ({@code quarantine_mark}).
     */
    private static Uni<Void> writeQuarantine(SqlConnection conn, QuarantineState q) {
        List<String> boards = new ArrayList<>();
        List<String> periods = new ArrayList<>();
        List<String> entities = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        List<Long> reached = new ArrayList<>();
        q.held().forEach((bp, entries) -> {
            int at = bp.indexOf('@');
            entries.values().forEach(e -> {
                boards.add(bp.substring(0, at));
                periods.add(bp.substring(at + 1));
                entities.add(e.entity());
                scores.add(e.score());
                reached.add(e.reachedAt());
            });
        });
        return conn.query("DELETE FROM held_score").execute()
                .chain(() -> boards.isEmpty() ? Uni.createFrom().voidItem() : conn.preparedQuery("""
                        INSERT INTO held_score (board, period, entity, score, reached_at)
                        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::int8[])
                        """).execute(Tuple.tuple().addArrayOfString(boards.toArray(String[]::new))
                                .addArrayOfString(periods.toArray(String[]::new))
                                .addArrayOfString(entities.toArray(String[]::new))
                                .addArrayOfDouble(scores.toArray(Double[]::new))
                                .addArrayOfLong(reached.toArray(Long[]::new))).replaceWithVoid());
    }

    /**
     * Which board periods get a new generation, and its number. A board period that may have changed is
     * rebuilt: a full sync, changed or gone entities, no ranking yet, or a drift repair. Its
     * ranking_current row is locked until the switch.
     */
    private static Uni<Void> nextGenerations(SqlConnection conn, List<PeriodWrite> writes) {
        List<PeriodWrite> rebuilt = new ArrayList<>();
        for (PeriodWrite w : writes) {
            w.rewrite = w.fullSync || w.noCurrent || w.forceRewrite || (w.upserts != null && w.upserts.length > 0)
                    || w.deletes.length > 0;
            if (w.rewrite) {
                rebuilt.add(w);
            }
        }
        if (rebuilt.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Integer[] ids = rebuilt.stream().map(w -> w.bpId).toArray(Integer[]::new);
        return conn.preparedQuery("SELECT bp_id, generation FROM ranking_current WHERE bp_id = ANY($1::int4[]) FOR UPDATE")
                .execute(Tuple.tuple().addArrayOfInteger(ids)).invoke(rows -> {
                    Map<Integer, Long> current = new HashMap<>();
                    rows.forEach(r -> current.put(r.getInteger(0), r.getLong(1)));
                    for (PeriodWrite w : rebuilt) {
                        w.nextGeneration = current.getOrDefault(w.bpId, 0L) + 1;
                    }
                }).replaceWithVoid();
    }

    /** Builds every new generation, one board period after the other, each in its own transaction on connection B. */
    private Uni<Void> buildGenerations(List<PeriodWrite> writes) {
        return eachStaged(writes, this::buildGeneration, (w, nanos) -> w.rankingNanos = nanos);
    }

    /** A ranking generation's table. */
    static String rankingPartition(int bpId, long generation) {
        return "ranking_" + bpId + "_" + generation;
    }

    /**
     * Generation g of a board period as table ranking_&lt;bp&gt;_&lt;g&gt;, committed but not attached: one
     * {@code INSERT … SELECT} with ROW_NUMBER/RANK/DENSE_RANK from the staged snapshot (PostgreSQL still sorts;
     * the rank-ordered input makes that cheap), then its primary key by one sorted build, then ANALYZE (without
     * statistics the planner would bitmap-scan and sort a million rows to serve a page). The CHECK, added while
     * the table is empty, lets ATTACH skip its validation scan.
     */
    private Uni<Void> buildGeneration(PeriodWrite w) {
        return inTransaction(conn -> generation(conn, w, stageTable(w.bpId)));
    }

    /** The statements that build generation g from {@code source} (a FROM clause with entity, score, reached_at). */
    private Uni<Void> generation(SqlConnection conn, PeriodWrite w, String source) {
        String table = rankingPartition(w.bpId, w.nextGeneration);
        return conn.query("DROP TABLE IF EXISTS " + table + "; CREATE TABLE " + table
                + " (LIKE ranking); ALTER TABLE " + table + " ADD CHECK (bp_id = " + w.bpId + " AND generation = "
                + w.nextGeneration + ")").execute()
                .chain(() -> conn.preparedQuery(rankingInsert(w.snapshot.order, table, source))
                        .execute(Tuple.of(w.bpId, w.nextGeneration)))
                .invoke(inserted -> w.ranked = inserted.rowCount())
                .chain(() -> conn.query("SET LOCAL maintenance_work_mem = '" + workMem + "'; ALTER TABLE " + table
                        + " ADD PRIMARY KEY (ordinal_rank); ANALYZE " + table).execute())
                .invoke(() -> w.built = true)
                .replaceWithVoid();
    }

    /**
     * In transaction A, after both halves: a built generation whose board period's rows changed (or that had
     * no ranking, or is being repaired) is attached and becomes current; one whose rows all turned out equal
     * (a full sync after a restart, an entity changed and changed back) is dropped. Then ended periods are frozen.
     */
    private static Uni<Void> switchGenerations(SqlConnection conn, List<PeriodWrite> writes) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (PeriodWrite w : writes) {
            if (w.built) {
                String table = rankingPartition(w.bpId, w.nextGeneration);
                if (w.rowsWritten > 0 || w.noCurrent || w.forceRewrite) {
                    PeriodSnapshot s = w.snapshot;
                    chain = chain.chain(() -> conn.query("ALTER TABLE ranking ATTACH PARTITION " + table + " FOR VALUES FROM ("
                            + w.bpId + ", " + w.nextGeneration + ") TO (" + w.bpId + ", " + (w.nextGeneration + 1) + ")").execute())
                            .chain(() -> conn.preparedQuery("""
                                    INSERT INTO ranking_current (board, period, bp_id, generation, entries, reconciled_at)
                                    VALUES ($1, $2, $3, $4, $5, now())
                                    ON CONFLICT (board, period) DO UPDATE SET generation = EXCLUDED.generation,
                                        entries = EXCLUDED.entries, reconciled_at = EXCLUDED.reconciled_at, released_at = NULL
                                    """).execute(Tuple.of(s.board, s.period, w.bpId, w.nextGeneration, w.ranked)))
                            .invoke(() -> w.generation = w.nextGeneration).replaceWithVoid();
                } else {
                    chain = chain.chain(() -> conn.query("DROP TABLE " + table).execute()).replaceWithVoid();
                }
            }
            if (w.close) {
                chain = chain.chain(() -> conn.preparedQuery("""
                        UPDATE ranking_current SET closed_at = now() WHERE board = $1 AND period = $2 AND closed_at IS NULL
                        """).execute(Tuple.of(w.snapshot.board, w.snapshot.period)).replaceWithVoid());
            }
        }
        return chain;
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

    /**
     * A full sync from the staged snapshot, in one statement (all three parts see the table as it was before
     * it): changed rows updated, missing ones inserted, rows of entities no longer there deleted; unchanged
     * rows are neither written nor locked. Returns the rows written. Hash joins whatever the statistics of
     * the fresh stage say (a nested loop over a million rows each way is O(n²)).
     */
    private static String syncFromStage(String stage) {
        return """
                WITH upd AS (UPDATE entity_score x SET score = s.score, reached_at = s.reached_at FROM %1$s s
                             WHERE x.bp_id = $1 AND x.entity = s.entity
                                 AND (x.score, x.reached_at) IS DISTINCT FROM (s.score, s.reached_at)
                             RETURNING 1),
                ins AS (INSERT INTO entity_score (bp_id, entity, score, reached_at)
                        SELECT $1, s.entity, s.score, s.reached_at FROM %1$s s
                        WHERE NOT EXISTS (SELECT 1 FROM entity_score x WHERE x.bp_id = $1 AND x.entity = s.entity)
                        RETURNING 1),
                del AS (DELETE FROM entity_score x WHERE x.bp_id = $1
                            AND NOT EXISTS (SELECT 1 FROM %1$s s WHERE s.entity = x.entity)
                        RETURNING 1)
                SELECT (SELECT count(*) FROM upd) + (SELECT count(*) FROM ins) + (SELECT count(*) FROM del)
                """.formatted(stage);
    }

    private Uni<Void> writeScores(SqlConnection conn, PeriodWrite w) {
        return conn.preparedQuery("SELECT to_regclass($1) IS NOT NULL").execute(Tuple.of(partition(w.bpId))).chain(rows -> {
                    boolean partitioned = rows.iterator().next().getBoolean(0);
                    if (!partitioned && w.fullSync) {
                        return newPartition(conn, w);
                    }
                    Uni<Void> ready = partitioned ? Uni.createFrom().voidItem()
                            : conn.query("CREATE TABLE " + partition(w.bpId) + " PARTITION OF entity_score FOR VALUES IN ("
                                    + w.bpId + ") WITH (fillfactor = 90)").execute().replaceWithVoid();
                    if (w.fullSync) {
                        return ready.chain(() -> conn.query("SET LOCAL enable_nestloop = off").execute())
                                .chain(() -> conn.preparedQuery(syncFromStage(stageTable(w.bpId))).execute(Tuple.of(w.bpId)))
                                .invoke(counted -> w.rowsWritten += counted.iterator().next().getLong(0))
                                .chain(() -> conn.query("SET LOCAL enable_nestloop = on").execute()).replaceWithVoid();
                    }
                    // Index lookups for the changed rows, whatever the statistics say: with none (a new
                    // partition, autovacuum off) the planner sorted the whole partition for every 50k-row chunk
                    // and merge-joined (1M rows: 1.56 s per chunk against 0.75 s for the lookups).
                    return ready.chain(() -> conn.query("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
                                    .execute())
                            .chain(() -> writeChunks(conn, w, UPSERT_SCORES))
                            .chain(() -> conn.query("RESET enable_hashjoin; RESET enable_mergejoin").execute())
                            .chain(() -> w.deletes.length == 0 ? Uni.createFrom().voidItem()
                                    : conn.preparedQuery("DELETE FROM entity_score WHERE bp_id = $1 AND entity = ANY($2::text[])")
                                            .execute(Tuple.tuple().addInteger(w.bpId).addArrayOfString(w.deletes))
                                            .invoke(deleted -> w.rowsWritten += deleted.rowCount()).replaceWithVoid());
                });
    }

    /**
     * First write of a board period: its partition is created without an index, filled from the staged
     * snapshot by one INSERT … SELECT, then indexed (one sorted build instead of a million B-tree insertions)
     * and attached. The CHECK constraint lets ATTACH skip its validation scan. All of it in the checkpoint
     * transaction: a rollback leaves no table behind. Nobody else sees the table before the commit (ATTACH
     * takes SHARE UPDATE EXCLUSIVE on entity_score: reads and writes go on).
     */
    private Uni<Void> newPartition(SqlConnection conn, PeriodWrite w) {
        String table = partition(w.bpId);
        return conn.query("CREATE TABLE " + table + " (LIKE entity_score) WITH (fillfactor = 90); ALTER TABLE " + table
                + " ADD CHECK (bp_id = " + w.bpId + ")").execute()
                .chain(() -> conn.preparedQuery("INSERT INTO " + table + " (bp_id, entity, score, reached_at) SELECT $1,"
                        + " entity, score, reached_at FROM " + stageTable(w.bpId)).execute(Tuple.of(w.bpId)))
                .invoke(inserted -> w.rowsWritten += inserted.rowCount())
                .chain(() -> conn.query("SET LOCAL maintenance_work_mem = '" + workMem + "'; ALTER TABLE " + table
                        + " ADD PRIMARY KEY (bp_id, entity); ALTER TABLE entity_score ATTACH PARTITION " + table
                        + " FOR VALUES IN (" + w.bpId + ")").execute())
                .replaceWithVoid();
    }

    /**
     * An incremental write: the changed rows ({@code w.upserts}) in chunks of {@value #CHUNK} as bp_id,
     * entity, score and reached_at arrays, all chunks at once (pipelined on the connection: encoding overlaps
     * execution). Adds the rows the statements report (their one count) to rowsWritten.
     */
    private static Uni<Void> writeChunks(SqlConnection conn, PeriodWrite w, String sql) {
        PeriodSnapshot s = w.snapshot;
        int[] positions = w.upserts;
        int n = positions.length;
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
                int p = positions[i];
                entities[i - start] = s.entity(p);
                scores[i - start] = s.scores[p];
                reached[i - start] = s.reachedAt[p];
            }
            chunks.add(conn.preparedQuery(sql).execute(Tuple.tuple().addInteger(w.bpId).addArrayOfString(entities)
                    .addArrayOfDouble(scores).addArrayOfLong(reached)).map(rows -> rows.iterator().next().getLong(0)));
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

    /**
     * Generation $2 of board period $1 into {@code table}, from {@code source}: ROW_NUMBER by the full
     * tie-break; RANK and DENSE_RANK by the score alone, so ties share them.
     */
    static String rankingInsert(Order order, String table, String source) {
        String dir = order == Order.DESC ? "DESC" : "ASC";
        return "INSERT INTO " + table + " (bp_id, generation, ordinal_rank, competition_rank, dense_rank, entity, score,"
                + " reached_at) SELECT $1, $2,"
                + " row_number() OVER (ORDER BY score " + dir + ", reached_at, entity COLLATE \"C\"),"
                + " rank() OVER (ORDER BY score " + dir + "),"
                + " dense_rank() OVER (ORDER BY score " + dir + "),"
                + " entity, score, reached_at FROM " + source;
    }

    /**
     * Drops a board period's generation tables older than the previous one (kept so that a reader paging
     * through it can finish) and any newer than the current one (built by a write that then failed). DROP of a
     * partition takes ACCESS EXCLUSIVE on {@code ranking} for a moment, so it waits at most 200 ms for readers
     * and otherwise gives up until the next run. Returns the tables dropped.
     */
    Uni<Long> dropOldGenerations(int bpId, long current) {
        return inTransaction(conn -> conn.preparedQuery("""
                SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'
                    AND relname LIKE $1
                """).execute(Tuple.of("ranking\\_" + bpId + "\\_%")).chain(rows -> {
                    List<String> drop = new ArrayList<>();
                    for (Row r : rows) {
                        String name = r.getString(0);
                        long generation = Long.parseLong(name.substring(name.lastIndexOf('_') + 1));
                        if (generation < current - 1 || generation > current) {
                            drop.add(name);
                        }
                    }
                    return drop.isEmpty() ? Uni.createFrom().item(0L)
                            : conn.query("SET LOCAL lock_timeout = '200ms'; DROP TABLE " + String.join(", ", drop)).execute()
                                    .replaceWith((long) drop.size());
                }));
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
    public record Checkpoint(Map<String, Long> offsets, Map<String, List<Object[]>> periods, QuarantineState quarantine) {
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
                        }).collect().last().chain(() -> readQuarantine(conn))
                                .map(quarantine -> new Checkpoint(offsets, periods, quarantine));
                    });
                })
                .call(() -> conn.query("COMMIT").execute())
                .onFailure().call(() -> conn.query("ROLLBACK").execute().onFailure().recoverWithNull()));
    }

    /**
     * The quarantine marks as they are now, and the held entries of the checkpoint; held entries of released
     * board periods are left out like their scores.
     */
    private static Uni<QuarantineState> readQuarantine(SqlConnection conn) {
        return conn.query("SELECT board, entity FROM quarantine_mark").execute().chain(marks -> conn.query("""
                SELECT h.board, h.period, h.entity, h.score, h.reached_at FROM held_score h
                WHERE NOT EXISTS (SELECT 1 FROM ranking_current c WHERE c.board = h.board AND c.period = h.period
                    AND c.released_at IS NOT NULL)
                """).execute().map(heldRows -> {
                    Set<String> quarantined = new HashSet<>();
                    marks.forEach(r -> quarantined.add(r.getString(0) + "/" + r.getString(1)));
                    Map<String, Map<String, Entry>> held = new HashMap<>();
                    heldRows.forEach(r -> held.computeIfAbsent(r.getString(0) + "@" + r.getString(1), bp -> new HashMap<>())
                            .put(r.getString(2), new Entry(r.getString(2), r.getDouble(3), r.getLong(4))));
                    return new QuarantineState(quarantined, held);
                }));
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

    // --- Erasure -----------------------------------------------------------------------------------------

    /**
     * Erases an entity from every row PostgreSQL holds of it, in one transaction with its tombstone: the
     * checkpoint's scores and held scores, its quarantine marks, every ranking generation (current, kept for
     * paging, frozen and released alike; the other entries keep the ranks they were given), and any staged
     * snapshot a crashed run left behind. The caller keeps reconciliation runs out meanwhile. Returns the rows
     * deleted.
     */
    Uni<Long> erase(String entity, Map<String, Long> position) {
        io.vertx.core.json.JsonObject offsets = new io.vertx.core.json.JsonObject();
        position.forEach(offsets::put);
        return inTransaction(conn -> conn.preparedQuery("""
                INSERT INTO erasure (entity, offsets) VALUES ($1, $2)
                ON CONFLICT (entity) DO UPDATE SET offsets = EXCLUDED.offsets, erased_at = now()
                """).execute(Tuple.of(entity, offsets))
                .chain(() -> conn.preparedQuery("""
                        WITH s AS (DELETE FROM entity_score WHERE entity = $1 RETURNING 1),
                        h AS (DELETE FROM held_score WHERE entity = $1 RETURNING 1),
                        q AS (DELETE FROM quarantine_mark WHERE entity = $1 RETURNING 1),
                        r AS (DELETE FROM ranking WHERE entity = $1 RETURNING bp_id, generation),
                        n AS (SELECT bp_id, generation, count(*) AS removed FROM r GROUP BY bp_id, generation),
                        c AS (UPDATE ranking_current cur SET entries = cur.entries - n.removed FROM n
                              WHERE cur.bp_id = n.bp_id AND cur.generation = n.generation RETURNING 1)
                        SELECT (SELECT count(*) FROM s) + (SELECT count(*) FROM h) + (SELECT count(*) FROM q)
                            + (SELECT count(*) FROM r)
                        """).execute(Tuple.of(entity)))
                .map(rows -> rows.iterator().next().getLong(0))
                .call(() -> conn.query("""
                        SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'
                            AND relname LIKE 'reconcile\\_stage\\_%'
                        """).execute().chain(stages -> {
                            List<String> names = new ArrayList<>();
                            stages.forEach(r -> names.add(r.getString(0)));
                            return names.isEmpty() ? Uni.createFrom().voidItem()
                                    : conn.query("DROP TABLE IF EXISTS " + String.join(", ", names)).execute().replaceWithVoid();
                        })));
    }

    /** Every erasure tombstone: entity → position ("topic/partition" → last applied offset when erased). */
    Uni<Map<String, Map<String, Long>>> erasures() {
        return pool.query("SELECT entity, offsets FROM erasure").execute().map(rows -> {
            Map<String, Map<String, Long>> result = new HashMap<>();
            for (Row r : rows) {
                Map<String, Long> position = new HashMap<>();
                io.vertx.core.json.JsonObject offsets = r.getJsonObject(1);
                offsets.forEach(e -> position.put(e.getKey(), ((Number) e.getValue()).longValue()));
                result.put(r.getString(0), position);
            }
            return result;
        });
    }

    /** Deletes the tombstones the checkpoint offsets have reached (in the checkpoint transaction). */
    private static Uni<Void> pruneErasures(SqlConnection conn) {
        return conn.query("""
                DELETE FROM erasure e WHERE NOT EXISTS (
                    SELECT 1 FROM jsonb_each_text(e.offsets) o(field, off)
                    LEFT JOIN ingest_checkpoint c ON c.topic || '/' || c.partition = o.field
                    WHERE c."offset" IS NULL OR c."offset" < o.off::bigint)
                """).execute().replaceWithVoid();
    }

    // --- Reads for the API ----------------------------------------------------------------------------

    /** One page of a ranking generation. */
    public record RankingPage(long currentGeneration, OffsetDateTime reconciledAt, long generation, List<Row> rows) {
    }

    /**
     * One page, read in one statement (so never a mix of generations); null when the board period has never
     * been reconciled. LATERAL, so that the generation ranking_current names prunes {@code ranking} to one
     * table at run time and that table's primary key serves the page (as a plain join the planner merges
     * every generation table by ordinal rank and filters).
     */
    public Uni<RankingPage> page(String board, String period, Long generation, long afterOrdinal, int limit) {
        return pool.preparedQuery("""
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
                FROM ranking_current c CROSS JOIN LATERAL (
                    SELECT * FROM ranking r WHERE r.bp_id = c.bp_id AND r.generation = c.generation
                    ORDER BY r.ordinal_rank LIMIT $3) r
                WHERE c.board = $1 AND c.period = $2 AND c.closed_at IS NOT NULL
                ORDER BY r.ordinal_rank
                """).execute(Tuple.of(board, period, limit)).map(rows -> {
                    List<Row> result = new ArrayList<>();
                    rows.forEach(result::add);
                    return result;
                });
    }
}
