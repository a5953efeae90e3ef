package io.standings.store.postgres;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Leadership of reconciliation: a PostgreSQL advisory lock held on a dedicated connection, per schema. The
 * holder keeps it while its connection lives; a dead instance's connection closes and the lock passes on.
 */
@ApplicationScoped
public class ReconcileLock {

    private static final String LOCK_SQL = "SELECT pg_try_advisory_lock(hashtext('standings.reconcile:' || current_schema()))";

    private final PgSession session;
    private SqlConnection lockConnection;

    public ReconcileLock(PgSession session) {
        this.session = session;
    }

    /** Whether this instance holds the lock (taking it if free); re-checks its connection on every call. */
    public synchronized Uni<Boolean> held() {
        if (lockConnection != null) {
            SqlConnection c = lockConnection;
            return c.query("SELECT 1").execute().replaceWith(true).onFailure().recoverWithUni(e -> {
                close(c);
                return held();
            });
        }
        // The dedicated connection gets a statement_timeout too: a stuck statement fails instead of hanging.
        return session.pool().getConnection().chain(c -> c.query("SET statement_timeout = " + session.statementTimeoutMs())
                .execute().chain(() -> c.query(LOCK_SQL).execute())
                .map(rowSet -> rowSet.iterator().next().getBoolean(0))
                .invoke(got -> {
                    if (got) {
                        synchronized (this) {
                            lockConnection = c;
                        }
                        Log.infof("This instance now leads reconciliation");
                    } else {
                        c.closeAndForget();
                    }
                })
                .onFailure().invoke(e -> c.closeAndForget()));
    }

    private synchronized void close(SqlConnection c) {
        if (lockConnection == c) {
            lockConnection = null;
        }
        c.closeAndForget();
    }
}
