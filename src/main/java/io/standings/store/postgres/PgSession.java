package io.standings.store.postgres;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.function.Function;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The reactive PostgreSQL pool and the session every reconciler transaction runs in: a
 * {@code statement_timeout}, so that a stuck statement fails the run instead of holding it, the
 * {@code work_mem} a whole board period's sort needs, and no JIT.
 */
@ApplicationScoped
public class PgSession {

    private final Pool pool;
    /** Sent at the start of every reconciler transaction (statement_timeout, work_mem, jit). */
    private final String sessionSettings;
    private final long statementTimeoutMs;
    private final String workMem;

    public PgSession(Pool pool,
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

    public long statementTimeoutMs() {
        return statementTimeoutMs;
    }

    String workMem() {
        return workMem;
    }

    /** A reconciler transaction (the session settings first). */
    <T> Uni<T> inTransaction(Function<SqlConnection, Uni<T>> work) {
        return pool.withTransaction(conn -> conn.query(sessionSettings).execute().chain(() -> work.apply(conn)));
    }

    public Pool pool() {
        return pool;
    }
}
