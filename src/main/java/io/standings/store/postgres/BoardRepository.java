package io.standings.store.postgres;

import io.standings.core.board.Board;
import io.standings.core.board.BoardSpec;
import io.standings.core.board.Decay;
import io.standings.core.board.Operation;
import io.standings.core.board.Period;

import io.smallrye.mutiny.Uni;
import io.standings.core.index.Order;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/** Board definitions in PostgreSQL, through the reactive client. */
@ApplicationScoped
public class BoardRepository {

    private final Pool pool;

    public BoardRepository(Pool pool) {
        this.pool = pool;
    }

    public Uni<List<Board>> findAll() {
        return pool.query("SELECT id, sort_order, ties, operator, period, time_zone, decay_half_life_ms FROM board ORDER BY id")
                .execute()
                .map(rows -> {
                    List<Board> boards = new ArrayList<>();
                    rows.forEach(row -> boards.add(toBoard(row)));
                    return boards;
                });
    }

    /** The boards stored under these ids (those that exist). */
    public Uni<List<Board>> findByIds(Collection<String> ids) {
        return pool.preparedQuery("SELECT id, sort_order, ties, operator, period, time_zone, decay_half_life_ms FROM board "
                + "WHERE id = ANY($1)")
                .execute(Tuple.of(ids.toArray(new String[0])))
                .map(rows -> {
                    List<Board> boards = new ArrayList<>();
                    rows.forEach(row -> boards.add(toBoard(row)));
                    return boards;
                });
    }

    /** Inserts or replaces a board. */
    public Uni<Void> upsert(Board b) {
        return pool.preparedQuery("""
                INSERT INTO board (id, sort_order, ties, operator, period, time_zone, decay_half_life_ms)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (id) DO UPDATE SET sort_order = EXCLUDED.sort_order, ties = EXCLUDED.ties,
                    operator = EXCLUDED.operator, period = EXCLUDED.period, time_zone = EXCLUDED.time_zone,
                    decay_half_life_ms = EXCLUDED.decay_half_life_ms, updated_at = now()
                """)
                .execute(row(b))
                .replaceWithVoid();
    }

    /** Inserts a board unless one with its id exists; true if inserted. */
    public Uni<Boolean> insertIfAbsent(Board b) {
        return pool.preparedQuery("""
                INSERT INTO board (id, sort_order, ties, operator, period, time_zone, decay_half_life_ms)
                VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING
                """)
                .execute(row(b))
                .map(rows -> rows.rowCount() == 1);
    }

    public Uni<Boolean> delete(String id) {
        return pool.withTransaction(conn -> conn.preparedQuery("DELETE FROM quarantine_mark WHERE board = $1")
                .execute(Tuple.of(id))
                .chain(() -> conn.preparedQuery("DELETE FROM board WHERE id = $1").execute(Tuple.of(id)))
                .map(rows -> rows.rowCount() == 1));
    }

    /** The insert parameters of a board, in the column order of both statements above. */
    private static Tuple row(Board b) {
        BoardSpec spec = BoardSpec.of(b);
        return Tuple.from(List.of(b.id(), spec.order(), spec.ties(), spec.operator(), spec.period(), spec.timeZone()))
                .addValue(b.decay() == null ? null : b.decay().halfLife().toMillis());
    }

    private static Board toBoard(Row row) {
        Long halfLife = row.getLong("decay_half_life_ms");
        return new Board(row.getString("id"),
                Order.valueOf(row.getString("sort_order").toUpperCase(Locale.ROOT)),
                Board.TiePolicy.valueOf(row.getString("ties").toUpperCase(Locale.ROOT)),
                Operation.fromWire(row.getString("operator")).orElseThrow(),
                Period.fromWire(row.getString("period")).orElseThrow(),
                ZoneId.of(row.getString("time_zone")),
                halfLife == null ? null : Decay.ofHalfLife(Duration.ofMillis(halfLife)));
    }
}
