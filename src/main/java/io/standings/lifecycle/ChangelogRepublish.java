package io.standings.lifecycle;

import io.standings.state.LiveBoards;

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
 * (Redis keeps the list with each board period's write: {@link LastBatch}) before it writes a batch of its own. A
 * state published twice is harmless: it is absolute.
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
    private final LiveBoards live;

    public ChangelogRepublish(PartitionTracker tracker, RedisReads redis, Changelog changelog, BoardRegistry boards,
            BoardCatalog catalog, SnapshotGate gate, IngestStartup startup, LiveBoards live) {
        this.live = live;
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

    /**
     * Republishes the last batch of every partition assigned since; called under the gate, before a batch. The states
     * are what Redis holds now of every entity a last batch changed, in any board period; memory takes them too (a
     * batch cut off between two board periods' writes is in Redis for some of them and in no changelog), and they go
     * out at the partition's floor, marked as a republish so that replicas already at the floor take them as well.
     */
    public Uni<Void> assignedPartitions() {
        List<TopicPartition> assigned = tracker.assignedNotRepublished();
        if (assigned.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<String> fields = assigned.stream().map(tp -> BoardPeriods.partition(tp.topic(), tp.partition())).toList();
        return redis.periodsAnd(live.indexes().keySet()).chain(periods -> redis.lastBatches(periods, fields)).chain(found -> {
            Set<String> boardIds = new HashSet<>();
            found.values().forEach(batches -> batches.forEach(b -> b.changed()
                    .forEach(c -> boardIds.add(BoardPeriods.boardOf(c.boardPeriod())))));
            return catalog.learn(boardIds).replaceWith(found);
        }).chain(found -> redis.offsets().chain(floor -> Multi.createFrom().iterable(found.entrySet())
                .onItem().transformToUniAndConcatenate(e -> statesOf(e.getKey(), e.getValue(), floor.get(e.getKey())))
                .collect().asList()))
                .invoke(batch -> batch.forEach(p -> live.apply(p.states(),
                        id -> boards.find(id).map(Board::order).orElseThrow())))
                .chain(batch -> changelog.publish(batch).invoke(() -> {
                    tracker.republished(assigned);
                    if (!batch.isEmpty()) {
                        int states = batch.stream().mapToInt(p -> p.states().size()).sum();
                        Log.infof("Republished the last batch of %d assigned partitions to the changelog (%d states)",
                                batch.size(), states);
                    }
                }));
    }

    private Uni<PartitionStates> statesOf(String field, List<LastBatch> batches, Long floor) {
        int partition = Integer.parseInt(field.substring(field.lastIndexOf('/') + 1));
        Set<LastBatch.Changed> changed = new java.util.LinkedHashSet<>();
        batches.forEach(b -> changed.addAll(b.changed()));
        long position = floor == null ? -1 : floor;
        long heldUpTo = Math.max(position, batches.stream().mapToLong(LastBatch::offset).max().orElse(position));
        return redis.currentStates(new ArrayList<>(changed), id -> boards.find(id).map(Board::order).orElse(null))
                .map(states -> {
                    if (heldUpTo > position) {
                        tracker.heldAhead(field, heldUpTo); // memory takes these states: no checkpoint until replayed
                    }
                    return new PartitionStates(partition, position, new ArrayList<>(states), true, heldUpTo);
                });
    }
}
