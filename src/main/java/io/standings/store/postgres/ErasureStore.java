package io.standings.store.postgres;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** An erased entity's rows in PostgreSQL, deleted with its tombstone; the tombstones read back and pruned. */
@ApplicationScoped
public class ErasureStore {

    private final PgSession session;

    public ErasureStore(PgSession session) {
        this.session = session;
    }

    /**
     * Erases an entity from every row PostgreSQL holds of it, in one transaction with its tombstone: the
     * checkpoint's scores and held scores, its quarantine marks, every ranking generation (current, kept for
     * paging, frozen and released alike; the other entries keep the ranks they were given), and any staged
     * snapshot a crashed run left behind. The caller keeps reconciliation runs out meanwhile. Returns the rows
     * deleted.
     */
    public Uni<Long> erase(String entity, Map<String, Long> position) {
        io.vertx.core.json.JsonObject offsets = new io.vertx.core.json.JsonObject();
        position.forEach(offsets::put);
        return session.inTransaction(conn -> conn.preparedQuery("""
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
    public Uni<Map<String, Map<String, Long>>> erasures() {
        return session.pool().query("SELECT entity, offsets FROM erasure").execute().map(rows -> {
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
    static Uni<Void> pruneErasures(SqlConnection conn) {
        return conn.query("""
                DELETE FROM erasure e WHERE NOT EXISTS (
                    SELECT 1 FROM jsonb_each_text(e.offsets) o(field, off)
                    LEFT JOIN ingest_checkpoint c ON c.topic || '/' || c.partition = o.field
                    WHERE c."offset" IS NULL OR c."offset" < o.off::bigint)
                """).execute().replaceWithVoid();
    }

}
