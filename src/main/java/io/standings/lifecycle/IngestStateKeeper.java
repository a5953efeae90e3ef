package io.standings.lifecycle;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.standings.ingest.PartitionTracker;
import io.standings.ingest.StateKeeper;
import jakarta.enterprise.context.ApplicationScoped;

/** The ingest's {@link StateKeeper}: start-up, rebuilds from Redis and Redis-loss recoveries. */
@ApplicationScoped
public class IngestStateKeeper implements StateKeeper {

    private final IngestStartup startup;
    private final RedisRecovery recovery;
    private final PartitionTracker tracker;
    private final ChangelogRepublish republish;

    public IngestStateKeeper(IngestStartup startup, RedisRecovery recovery, PartitionTracker tracker,
            ChangelogRepublish republish) {
        this.startup = startup;
        this.republish = republish;
        this.recovery = recovery;
        this.tracker = tracker;
    }

    @Override
    public Uni<Void> ready() {
        return startup.ready();
    }

    @Override
    public boolean isReady() {
        return startup.isReady();
    }

    @Override
    public Uni<Boolean> beforeBatch() {
        return republish.assignedPartitions().chain(this::rebuildOrRecover);
    }

    private Uni<Boolean> rebuildOrRecover() {
        Uni<Boolean> rebuilt = tracker.rebuildNeeded() ? startup.rebuildIfNeeded().replaceWith(true)
                : Uni.createFrom().item(false);
        return rebuilt.chain(r -> recovery.recoverIfLost().map(recovered -> r || recovered));
    }

    @Override
    public Uni<Void> afterFence(boolean lostState, String why) {
        return recovery.recoverIfLost().chain(recovered -> {
            if (recovered) {
                return Uni.createFrom().voidItem();
            }
            if (lostState) {
                return recovery.recoverNow(why);
            }
            Log.warnf("%s; re-syncing memory with Redis", why);
            return startup.resync();
        });
    }
}
