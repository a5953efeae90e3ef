package io.standings.store.postgres;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.standings.core.index.Entry;
import io.standings.state.QuarantineState;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The checkpoint read back whole, to restore Redis and memory after a Redis loss. */
@ApplicationScoped
public class CheckpointReader {

    static final int CHUNK = 50_000;

    private final PgSession session;

    public CheckpointReader(PgSession session) {
        this.session = session;
    }

    private record BoardPeriodId(int id, String boardPeriod) {
    }

    /** A checkpoint read in one REPEATABLE READ transaction: the offsets and the scores they reflect. */
    public record Checkpoint(Map<String, Long> offsets, Map<String, List<Entry>> periods, QuarantineState quarantine) {
    }

    /**
     * Reads the whole checkpoint consistently; board periods released after their retention are left out.
     * Each period's entries come in rank-independent order.
     */
    public Uni<Checkpoint> readCheckpoint() {
        // One snapshot for offsets and scores; statement_timeout like every reconciler statement; on failure
        // the transaction is rolled back before the connection goes back to the pool.
        return session.pool().withConnection(conn -> conn.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").execute()
                .chain(() -> conn.query("SET LOCAL statement_timeout = " + session.statementTimeoutMs()).execute())
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
                        List<BoardPeriodId> bps = new ArrayList<>();
                        bpRows.forEach(r -> bps.add(new BoardPeriodId(r.getInteger(0), r.getString(1) + "@" + r.getString(2))));
                        Map<String, List<Entry>> periods = new LinkedHashMap<>();
                        return Multi.createFrom().iterable(bps).onItem().transformToUniAndConcatenate(bp -> {
                            List<Entry> rows = new ArrayList<>();
                            periods.put(bp.boardPeriod(), rows);
                            return readScores(conn, bp.id(), "", rows);
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

    private Uni<Void> readScores(SqlConnection conn, int bpId, String after, List<Entry> into) {
        return conn.preparedQuery("""
                SELECT entity, score, reached_at FROM entity_score WHERE bp_id = $1 AND entity > $2
                ORDER BY entity LIMIT $3
                """).execute(Tuple.of(bpId, after, CHUNK)).chain(rows -> {
                    String last = null;
                    for (Row r : rows) {
                        last = r.getString(0);
                        into.add(new Entry(last, r.getDouble(1), r.getLong(2)));
                    }
                    return rows.size() < CHUNK ? Uni.createFrom().voidItem() : readScores(conn, bpId, last, into);
                });
    }

}
