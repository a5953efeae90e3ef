package io.standings.store.postgres;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The quarantine marks in PostgreSQL ({@code quarantine_mark}), written when an admin call sets or lifts one:
 * the durable record of the decision, which a Redis-loss recovery places every restored entry by.
 */
@ApplicationScoped
public class QuarantineMarks {

    private final Pool pool;

    public QuarantineMarks(Pool pool) {
        this.pool = pool;
    }

    public Uni<Void> mark(String board, String entity) {
        return pool.preparedQuery("INSERT INTO quarantine_mark (board, entity) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .execute(Tuple.of(board, entity)).replaceWithVoid();
    }

    public Uni<Void> unmark(String board, String entity) {
        return pool.preparedQuery("DELETE FROM quarantine_mark WHERE board = $1 AND entity = $2")
                .execute(Tuple.of(board, entity)).replaceWithVoid();
    }
}
