package io.standings.ingest;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.standings.board.BoardRegistry;
import io.standings.live.LiveBoards;
import io.standings.live.RedisRebuilder;
import io.standings.reconcile.RedisRecovery;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Default;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Map;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Start-up, without blocking: load the boards from PostgreSQL, then rebuild the in-memory indexes from
 * Redis. The ingest waits for it before its first batch, and readiness is DOWN until it is done, so the
 * service never answers from an empty index while Redis holds the truth.
 */
@ApplicationScoped
@Readiness
@Default
public class IngestStartup implements HealthCheck {

    private final BoardRegistry boards;
    private final RedisRebuilder rebuilder;
    private final PartitionTracker tracker;
    private final RedisRecovery recovery;
    private final LiveBoards live;
    private volatile boolean ready;
    private volatile Uni<Void> startup;

    public IngestStartup(BoardRegistry boards, RedisRebuilder rebuilder, PartitionTracker tracker,
            RedisRecovery recovery, LiveBoards live) {
        this.boards = boards;
        this.live = live;
        this.recovery = recovery;
        this.rebuilder = rebuilder;
        this.tracker = tracker;
    }

    void onStart(@Observes StartupEvent event) {
        ready().subscribe().with(x -> {
        }, e -> Log.errorf(e, "Start-up failed"));
    }

    /** Completes once boards are loaded and the indexes rebuilt; retried with back-off while a server is away. */
    public synchronized Uni<Void> ready() {
        if (startup == null) {
            startup = boards.start()
                    // Issue 6: an empty Redis with a PostgreSQL checkpoint is restored from it before the rebuild.
                    .chain(recovery::restoreIfEmpty)
                    .chain(rebuilder::rebuild)
                    .invoke(this::rebuilt)
                    .invoke(() -> ready = true)
                    .onFailure().invoke(e -> Log.warnf("Start-up waits for PostgreSQL/Redis: %s", e.getMessage()))
                    .onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(5)).indefinitely()
                    .replaceWithVoid()
                    .memoize().indefinitely();
        }
        return startup;
    }

    /** Whether start-up is done (boards loaded, indexes rebuilt). */
    public boolean isReady() {
        return ready;
    }

    /** Rebuilds the indexes from Redis when another consumer has written partitions this instance now owns. */
    public Uni<Void> rebuildIfNeeded() {
        if (!tracker.rebuildNeeded()) {
            return Uni.createFrom().voidItem();
        }
        return rebuilder.rebuild().invoke(this::rebuilt).replaceWithVoid();
    }

    /** Memory now reflects these offsets: the tracker knows them, and asOf counts them (it survives restarts). */
    private void rebuilt(Map<String, Long> offsets) {
        tracker.rebuilt(offsets);
        live.advance(tracker.appliedRecords());
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("Standings index").status(ready)
                .withData("index", ready ? "rebuilt from Redis" : "rebuilding from Redis").build();
    }
}
