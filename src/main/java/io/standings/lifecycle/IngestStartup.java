package io.standings.lifecycle;

import io.standings.ingest.PartitionTracker;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.standings.state.LiveBoards;
import io.standings.lifecycle.MemoryRebuild;
import io.standings.lifecycle.RedisRecovery;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Default;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Map;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.health.Startup;

/**
 * Start-up, without blocking: mark where the changelog and control topics end ({@link ReplicationStart}), load
 * the boards from PostgreSQL, then rebuild the in-memory indexes from Redis. The ingest waits for it before its
 * first batch, and start-up and readiness are DOWN until it is done, so the service never answers from an empty
 * index while Redis holds the truth.
 */
@ApplicationScoped
@Readiness
@Startup
@Default
public class IngestStartup implements HealthCheck {

    private final BoardCatalog catalog;
    private final MemoryRebuild rebuilder;
    private final PartitionTracker tracker;
    private final RedisRecovery recovery;
    private final LiveBoards live;
    private final ReplicationStart replication;
    private volatile boolean ready;
    private volatile Uni<Void> startup;

    public IngestStartup(BoardCatalog catalog, MemoryRebuild rebuilder, PartitionTracker tracker,
            RedisRecovery recovery, LiveBoards live, ReplicationStart replication) {
        this.catalog = catalog;
        this.replication = replication;
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
            startup = replication.mark()
                    .chain(catalog::start)
                    .chain(recovery::loadErasures)
                    // A Redis without its marker, with a PostgreSQL checkpoint, is restored from it before the rebuild.
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

    /**
     * Re-syncs with Redis after another consumer wrote a partition this instance was still applying (a fence):
     * memory is rebuilt from Redis and every assigned partition continues after Redis's offsets. The caller
     * holds the gate.
     */
    public Uni<Void> resync() {
        return rebuilder.rebuild().chain(tracker::resetTo).invoke(() -> live.advance(tracker.appliedRecords()));
    }

    /** Memory now reflects these offsets: the tracker knows them, and asOf counts them (it survives restarts). */
    private void rebuilt(Map<String, Long> offsets) {
        tracker.rebuilt(offsets);
        live.advance(tracker.appliedRecords());
    }

    /**
     * Started and ready to serve reads once memory holds the boards: every read is answered from memory, so
     * readiness stays UP while Redis, PostgreSQL or Kafka are away (the ingest health group says so), and a
     * server outage never takes every replica out of the load balancer at once.
     */
    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("Standings reads").status(ready)
                .withData("index", ready ? "loaded" : "loading from Redis")
                .withData("asOf", live.asOf()).build();
    }
}
