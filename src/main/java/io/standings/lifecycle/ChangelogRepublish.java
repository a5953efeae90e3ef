package io.standings.lifecycle;

import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.standings.state.SnapshotGate;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.standings.core.board.Board;
import io.standings.ingest.Changelog;
import io.standings.ingest.PartitionStates;
import io.standings.ingest.PartitionTracker;
import io.standings.state.BoardPeriods;
import io.standings.state.BoardRegistry;
import io.standings.store.redis.LastBatch;
import io.standings.store.redis.RedisReads;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Closes the one gap between Redis and the changelog. An owner publishes a batch's states after Redis took the
 * batch and waits for the broker before it writes the next one, so only a partition's last batch can be in Redis
 * and missing from the changelog (its owner died in between). Whoever is assigned a partition — another instance,
 * or the same one restarted — therefore republishes the current states of the entities that batch changed
 * (Redis keeps the list with the batch: {@link LastBatch}) before it writes a batch of its own. A state published
 * twice is harmless: it is absolute.
 */
@ApplicationScoped
public class ChangelogRepublish {

    private final PartitionTracker tracker;
    private final RedisReads redis;
    private final Changelog changelog;
    private final BoardRegistry boards;
    private final BoardCatalog catalog;

    private final SnapshotGate gate;
    private final IngestStartup startup;

    public ChangelogRepublish(PartitionTracker tracker, RedisReads redis, Changelog changelog, BoardRegistry boards,
            BoardCatalog catalog, SnapshotGate gate, IngestStartup startup) {
        this.gate = gate;
        this.startup = startup;
        this.tracker = tracker;
        this.redis = redis;
        this.changelog = changelog;
        this.boards = boards;
        this.catalog = catalog;
    }

    /**
     * A partition assigned while no events arrive gets no batch: its last batch is republished all the same, within
     * a second of the assignment.
     */
    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> idlePartitions() {
        if (!startup.isReady() || tracker.assignedNotRepublished().isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return gate.run(this::assignedPartitions)
                .onFailure().invoke(e -> Log.warnf("Could not republish the last batch of assigned partitions yet: %s",
                        e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Republishes the last batch of every partition assigned since; called under the gate, before a batch. */
    public Uni<Void> assignedPartitions() {
        List<TopicPartition> assigned = tracker.assignedNotRepublished();
        if (assigned.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<String> fields = assigned.stream().map(tp -> BoardPeriods.partition(tp.topic(), tp.partition())).toList();
        return redis.lastBatches(fields).chain(found -> {
            Set<String> boardIds = new HashSet<>();
            found.values().forEach(b -> b.changed().forEach(c -> boardIds.add(BoardPeriods.boardOf(c.boardPeriod()))));
            return catalog.learn(boardIds).replaceWith(found);
        }).chain(found -> Multi.createFrom().iterable(found.entrySet())
                .onItem().transformToUniAndConcatenate(this::statesOf)
                .collect().asList())
                .chain(batch -> changelog.publish(batch).invoke(() -> {
                    tracker.republished(assigned);
                    if (!batch.isEmpty()) {
                        int states = batch.stream().mapToInt(p -> p.states().size()).sum();
                        Log.infof("Republished the last batch of %d assigned partitions to the changelog (%d states)",
                                batch.size(), states);
                    }
                }));
    }

    private Uni<PartitionStates> statesOf(Map.Entry<String, LastBatch> entry) {
        String field = entry.getKey();
        int partition = Integer.parseInt(field.substring(field.lastIndexOf('/') + 1));
        LastBatch last = entry.getValue();
        return redis.currentStates(last.changed(), id -> boards.find(id).map(Board::order).orElse(null))
                .map(states -> new PartitionStates(partition, last.offset(), new ArrayList<>(states)));
    }
}
