package io.standings.store.postgres;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.standings.core.index.Order;
import io.standings.core.index.RankKey;
import io.standings.state.PeriodSnapshot;
import io.standings.state.QuarantineState;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the checkpoint (tables in V2__reconciliation.sql and after): every planned board period's
 * entity_score rows and a new ranking generation, the offsets and the held entries, in one transaction;
 * then drops old generations, records runs and released periods. Bulk writes bind whole arrays
 * ({@code unnest($n::text[], ...)}), never one statement per row. What to write is the caller's
 * {@link PeriodPlan}; what was written comes back as {@link PeriodResult}s.
 */
@ApplicationScoped
public class CheckpointWriter {

    static final int CHUNK = 50_000;

    private final PgSession session;

    public CheckpointWriter(PgSession session) {
        this.session = session;
    }

    /** One plan on its way through a write: what the transaction learns about it as it goes. */
    private static final class Work {
        final PeriodPlan plan;
        /** board_period.id, resolved in the transaction. */
        int bpId;
        /** A new ranking generation is built; it is switched to only if rows changed. */
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
        long stageNanos;
        long scoresNanos;
        long rankingNanos;

        Work(PeriodPlan plan) {
            this.plan = plan;
        }

        /** A full sync that may rewrite the ranking: its snapshot is staged and its generation built beside A. */
        boolean staged() {
            return rewrite && plan.fullSync();
        }

        PeriodResult result() {
            return new PeriodResult(plan.snapshot().boardPeriod(), bpId, generation, rowsWritten, plan.fullSync(),
                    stageNanos, scoresNanos, rankingNanos);
        }
    }

    /**
     * One transaction (connection A): entity_score upserts and deletes, the checkpoint offsets and the
     * quarantine, and a new ranking generation for every board period whose rows changed, which readers are
     * switched to (ranking_current); ended periods are frozen. Returns what each plan did.
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
    public Uni<List<PeriodResult>> write(List<PeriodPlan> plans, Map<String, Long> offsets, QuarantineState quarantine) {
        List<Work> writes = plans.stream().map(Work::new).toList();
        return session.inTransaction(conn -> resolveIds(conn, writes)
                .chain(() -> nextGenerations(conn, writes))
                .chain(() -> stageAll(writes))
                .chain(() -> Uni.combine().all()
                        .unis(writeScoresAndOffsets(conn, writes, offsets, quarantine), buildGenerations(writes))
                        .collectFailures().discardItems())
                .chain(() -> switchGenerations(conn, writes))
                .map(x -> writes.stream().map(Work::result).toList()))
                .onTermination().call(() -> dropStages(writes));
    }

    /** The staged snapshot of a board period during a write (see {@link #stage}). */
    static String stageTable(int bpId) {
        return "reconcile_stage_" + bpId;
    }

    /** Stages every full sync that may rewrite a ranking, one after the other (connection S). */
    private Uni<Void> stageAll(List<Work> writes) {
        return eachStaged(writes, this::stage, (w, nanos) -> w.stageNanos = nanos);
    }

    /** Runs {@code work} for every staged write, one after the other, recording how long each took. */
    private static Uni<Void> eachStaged(List<Work> writes, java.util.function.Function<Work, Uni<Void>> work,
            java.util.function.ObjLongConsumer<Work> took) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Work w : writes) {
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
    private Uni<Void> stage(Work w) {
        String table = stageTable(w.bpId);
        return session.inTransaction(conn -> conn.query("DROP TABLE IF EXISTS " + table + "; CREATE UNLOGGED TABLE " + table
                + " (entity text COLLATE \"C\" NOT NULL, score float8 NOT NULL, reached_at int8 NOT NULL)").execute()
                .chain(() -> stageChunks(conn, w.plan.snapshot(), "INSERT INTO " + table
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
        for (int from = 0; from < s.size(); from += CHUNK) {
            int to = Math.min(s.size(), from + CHUNK);
            Double[] scores = new Double[to - from];
            Long[] reached = new Long[to - from];
            for (int i = from; i < to; i++) {
                scores[i - from] = s.score(i);
                reached[i - from] = s.reachedAt(i);
            }
            arguments.add(Tuple.of(s.joinedEntities(from, to)).addArrayOfDouble(scores).addArrayOfLong(reached));
        }
        return arguments;
    }

    private Uni<Void> dropStages(List<Work> writes) {
        String tables = writes.stream().filter(w -> w.staged() && w.bpId != 0).map(w -> stageTable(w.bpId))
                .collect(java.util.stream.Collectors.joining(", "));
        return tables.isEmpty() ? Uni.createFrom().voidItem()
                : session.inTransaction(conn -> conn.query("DROP TABLE IF EXISTS " + tables).execute())
                        .onFailure().invoke(e -> io.quarkus.logging.Log.debugf("Staged snapshots stay until the next write: %s",
                                e.getMessage()))
                        .onFailure().recoverWithNull().replaceWithVoid();
    }

    private Uni<Void> writeScoresAndOffsets(SqlConnection conn, List<Work> writes, Map<String, Long> offsets,
            QuarantineState quarantine) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Work w : writes) {
            chain = chain.chain(() -> timed(writeScores(conn, w), nanos -> w.scoresNanos = nanos));
            chain = chain.chain(() -> w.rewrite && !w.staged() && (w.rowsWritten > 0 || w.plan.noCurrent() || w.plan.forceRewrite())
                    ? timed(generation(conn, w, "entity_score WHERE bp_id = " + w.bpId), nanos -> w.rankingNanos = nanos)
                    : Uni.createFrom().voidItem());
        }
        return chain.chain(() -> writeOffsets(conn, offsets)).chain(() -> writeQuarantine(conn, quarantine))
                .chain(() -> ErasureStore.pruneErasures(conn));
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
    private static Uni<Void> nextGenerations(SqlConnection conn, List<Work> writes) {
        List<Work> rebuilt = new ArrayList<>();
        for (Work w : writes) {
            w.rewrite = w.plan.fullSync() || w.plan.noCurrent() || w.plan.forceRewrite() || (w.plan.upserts() != null && w.plan.upserts().length > 0)
                    || w.plan.deletes().length > 0;
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
                    for (Work w : rebuilt) {
                        w.nextGeneration = current.getOrDefault(w.bpId, 0L) + 1;
                    }
                }).replaceWithVoid();
    }

    /** Builds every new generation, one board period after the other, each in its own transaction on connection B. */
    private Uni<Void> buildGenerations(List<Work> writes) {
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
    private Uni<Void> buildGeneration(Work w) {
        return session.inTransaction(conn -> generation(conn, w, stageTable(w.bpId)));
    }

    /** The statements that build generation g from {@code source} (a FROM clause with entity, score, reached_at). */
    private Uni<Void> generation(SqlConnection conn, Work w, String source) {
        String table = rankingPartition(w.bpId, w.nextGeneration);
        return conn.query("DROP TABLE IF EXISTS " + table + "; CREATE TABLE " + table
                + " (LIKE ranking); ALTER TABLE " + table + " ADD CHECK (bp_id = " + w.bpId + " AND generation = "
                + w.nextGeneration + ")").execute()
                .chain(() -> conn.preparedQuery(rankingInsert(w.plan.snapshot().order(), table, source))
                        .execute(Tuple.of(w.bpId, w.nextGeneration)))
                .invoke(inserted -> w.ranked = inserted.rowCount())
                .chain(() -> conn.query("SET LOCAL maintenance_work_mem = '" + session.workMem() + "'; ALTER TABLE " + table
                        + " ADD PRIMARY KEY (ordinal_rank); ANALYZE " + table).execute())
                .invoke(() -> w.built = true)
                .replaceWithVoid();
    }

    /**
     * In transaction A, after both halves: a built generation whose board period's rows changed (or that had
     * no ranking, or is being repaired) is attached and becomes current; one whose rows all turned out equal
     * (a full sync after a restart, an entity changed and changed back) is dropped. Then ended periods are frozen.
     */
    private static Uni<Void> switchGenerations(SqlConnection conn, List<Work> writes) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Work w : writes) {
            if (w.built) {
                String table = rankingPartition(w.bpId, w.nextGeneration);
                if (w.rowsWritten > 0 || w.plan.noCurrent() || w.plan.forceRewrite()) {
                    PeriodSnapshot s = w.plan.snapshot();
                    chain = chain.chain(() -> conn.query("ALTER TABLE ranking ATTACH PARTITION " + table + " FOR VALUES FROM ("
                            + w.bpId + ", " + w.nextGeneration + ") TO (" + w.bpId + ", " + (w.nextGeneration + 1) + ")").execute())
                            .chain(() -> conn.preparedQuery("""
                                    INSERT INTO ranking_current (board, period, bp_id, generation, entries, reconciled_at)
                                    VALUES ($1, $2, $3, $4, $5, now())
                                    ON CONFLICT (board, period) DO UPDATE SET generation = EXCLUDED.generation,
                                        entries = EXCLUDED.entries, reconciled_at = EXCLUDED.reconciled_at, released_at = NULL
                                    """).execute(Tuple.of(s.board(), s.period(), w.bpId, w.nextGeneration, w.ranked)))
                            .invoke(() -> w.generation = w.nextGeneration).replaceWithVoid();
                } else {
                    chain = chain.chain(() -> conn.query("DROP TABLE " + table).execute()).replaceWithVoid();
                }
            }
            if (w.plan.close()) {
                chain = chain.chain(() -> conn.preparedQuery("""
                        UPDATE ranking_current SET closed_at = now() WHERE board = $1 AND period = $2 AND closed_at IS NULL
                        """).execute(Tuple.of(w.plan.snapshot().board(), w.plan.snapshot().period())).replaceWithVoid());
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
    private static Uni<Void> resolveIds(SqlConnection conn, List<Work> writes) {
        if (writes.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String[] boards = writes.stream().map(w -> w.plan.snapshot().board()).toArray(String[]::new);
        String[] periods = writes.stream().map(w -> w.plan.snapshot().period()).toArray(String[]::new);
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
                    for (Work w : writes) {
                        Integer id = ids.get(w.plan.snapshot().board() + "@" + w.plan.snapshot().period());
                        if (id == null) {
                            throw new IllegalStateException("no board_period id for " + w.plan.snapshot().boardPeriod());
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

    private Uni<Void> writeScores(SqlConnection conn, Work w) {
        return conn.preparedQuery("SELECT to_regclass($1) IS NOT NULL").execute(Tuple.of(partition(w.bpId))).chain(rows -> {
                    boolean partitioned = rows.iterator().next().getBoolean(0);
                    if (!partitioned && w.plan.fullSync()) {
                        return newPartition(conn, w);
                    }
                    Uni<Void> ready = partitioned ? Uni.createFrom().voidItem()
                            : conn.query("CREATE TABLE " + partition(w.bpId) + " PARTITION OF entity_score FOR VALUES IN ("
                                    + w.bpId + ") WITH (fillfactor = 90)").execute().replaceWithVoid();
                    if (w.plan.fullSync()) {
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
                            .chain(() -> w.plan.deletes().length == 0 ? Uni.createFrom().voidItem()
                                    : conn.preparedQuery("DELETE FROM entity_score WHERE bp_id = $1 AND entity = ANY($2::text[])")
                                            .execute(Tuple.tuple().addInteger(w.bpId).addArrayOfString(w.plan.deletes()))
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
    private Uni<Void> newPartition(SqlConnection conn, Work w) {
        String table = partition(w.bpId);
        return conn.query("CREATE TABLE " + table + " (LIKE entity_score) WITH (fillfactor = 90); ALTER TABLE " + table
                + " ADD CHECK (bp_id = " + w.bpId + ")").execute()
                .chain(() -> conn.preparedQuery("INSERT INTO " + table + " (bp_id, entity, score, reached_at) SELECT $1,"
                        + " entity, score, reached_at FROM " + stageTable(w.bpId)).execute(Tuple.of(w.bpId)))
                .invoke(inserted -> w.rowsWritten += inserted.rowCount())
                .chain(() -> conn.query("SET LOCAL maintenance_work_mem = '" + session.workMem() + "'; ALTER TABLE " + table
                        + " ADD PRIMARY KEY (bp_id, entity); ALTER TABLE entity_score ATTACH PARTITION " + table
                        + " FOR VALUES IN (" + w.bpId + ")").execute())
                .replaceWithVoid();
    }

    /**
     * An incremental write: the changed rows ({@code w.plan.upserts()}) in chunks of {@value #CHUNK} as bp_id,
     * entity, score and reached_at arrays, all chunks at once (pipelined on the connection: encoding overlaps
     * execution). Adds the rows the statements report (their one count) to rowsWritten.
     */
    private static Uni<Void> writeChunks(SqlConnection conn, Work w, String sql) {
        PeriodSnapshot s = w.plan.snapshot();
        int[] positions = w.plan.upserts();
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
                scores[i - start] = s.score(p);
                reached[i - start] = s.reachedAt(p);
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
        return "INSERT INTO " + table + " (bp_id, generation, ordinal_rank, competition_rank, dense_rank, entity, score,"
                + " reached_at) SELECT $1, $2,"
                + " row_number() OVER (ORDER BY " + RankKey.sqlOrderBy(order) + "),"
                + " rank() OVER (ORDER BY " + RankKey.sqlScoreOrder(order) + "),"
                + " dense_rank() OVER (ORDER BY " + RankKey.sqlScoreOrder(order) + "),"
                + " entity, score, reached_at FROM " + source;
    }

    /**
     * Drops a board period's generation tables older than the previous one (kept so that a reader paging
     * through it can finish) and any newer than the current one (built by a write that then failed). DROP of a
     * partition takes ACCESS EXCLUSIVE on {@code ranking} for a moment, so it waits at most 200 ms for readers
     * and otherwise gives up until the next run. Returns the tables dropped.
     */
    public Uni<Long> dropOldGenerations(int bpId, long current) {
        return session.inTransaction(conn -> conn.preparedQuery("""
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

    public Uni<Void> insertRun(OffsetDateTime started, int boardPeriods, long rows, int driftFound, int driftRepaired,
            long durationMs, long snapshotMs) {
        return session.inTransaction(conn -> conn.preparedQuery("""
                INSERT INTO reconcile_run (started, finished, board_periods, rows, drift_found, drift_repaired,
                    duration_ms, snapshot_ms) VALUES ($1, now(), $2, $3, $4, $5, $6, $7)
                """).execute(Tuple.from(List.of(started, boardPeriods, rows, driftFound, driftRepaired, durationMs,
                        snapshotMs)))).replaceWithVoid();
    }

    public Uni<Void> markReleased(String board, String period) {
        return session.inTransaction(conn -> conn.preparedQuery("UPDATE ranking_current SET released_at = now() WHERE board = $1 AND period = $2")
                .execute(Tuple.of(board, period))).replaceWithVoid();
    }

}
