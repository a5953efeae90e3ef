package io.standings.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import io.standings.state.OffsetAdvance;
import io.standings.store.redis.RedisReads;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The exactly-once bookkeeping of the ingest, without Kafka or Redis: assigned partitions continue after the
 * offsets Redis stores, only owned partitions' new records are applied, a reset drops what was fetched before its
 * seek without stalling on a missing record, and records retention deleted before they could be read are counted.
 */
class PartitionTrackerTest {

    private static final String TOPIC = "scores";
    private static final String F0 = TOPIC + "/0";
    private static final String F1 = TOPIC + "/1";
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final TopicPartition p0 = new TopicPartition(TOPIC, 0);
    private final TopicPartition p1 = new TopicPartition(TOPIC, 1);
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final StoredOffsets redis = new StoredOffsets();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** The channel's consumer as SmallRye hands it out; null while the channel has none. */
    private Consumer<byte[], byte[]> channelConsumer = consumer;
    private final PartitionTracker tracker = new PartitionTracker(redis, new MockKafkaChannels(() -> channelConsumer), registry,
            new io.standings.state.AppliedPositions());

    /** Redis's offsets hash, or Redis away. */
    private static final class StoredOffsets extends RedisReads {
        volatile Map<String, Long> offsets = Map.of();
        volatile boolean away;

        StoredOffsets() {
            super(null, null);
        }

        @Override
        public Uni<Map<String, Long>> offsets() {
            if (away) {
                return Uni.createFrom().failure(new IllegalStateException("Redis is away"));
            }
            return Uni.createFrom().item(Map.copyOf(offsets));
        }

        @Override
        public Uni<RedisReads.StoredOffsets> storedOffsets(java.util.Collection<String> alsoPeriods) {
            return offsets().map(floor -> new RedisReads.StoredOffsets(floor, Map.of()));
        }
    }

    /** Kafka assigns the partitions (log starts as given) and the tracker is told, as in a rebalance. */
    private void assign(Map<TopicPartition, Long> logStarts) {
        MockKafkaChannels.assign(consumer, tracker, logStarts);
    }

    private void revoke(TopicPartition... partitions) {
        tracker.onPartitionsRevoked(consumer, List.of(partitions));
        Set<TopicPartition> left = new HashSet<>(consumer.assignment());
        left.removeAll(List.of(partitions));
        consumer.assign(left);
    }

    private double lost() {
        return registry.get("standings.replay.records.lost").counter().count();
    }

    private boolean isNew(TopicPartition tp, long offset) {
        return tracker.isNew(tp.topic(), tp.partition(), offset);
    }

    // ---- assignment

    @Test
    void anAssignedPartitionContinuesAfterItsStoredOffsetOrFromItsBeginning() {
        redis.offsets = Map.of(F0, 41L);

        assign(Map.of(p0, 0L, p1, 5L));

        assertThat(consumer.position(p0)).isEqualTo(42);
        assertThat(consumer.position(p1)).as("nothing stored: the log start").isEqualTo(5);
        assertThat(consumer.paused()).isEmpty();
        assertThat(tracker.waitingForRedis()).isEmpty();
        assertThat(lost()).isZero();
    }

    @Test
    void aStoredOffsetPastTheLogEndIsReportedUntilThePartitionPassesIt() {
        // Redis says offset 41 of p0 is applied, but p0 now ends at 10: the topic was created again (or truncated).
        redis.offsets = Map.of(F0, 41L, F1, 3L);
        tracker.rebuilt(Map.of(F0, 41L, F1, 3L));
        consumer.updateEndOffsets(Map.of(p0, 10L, p1, 20L));
        assign(Map.of(p0, 0L, p1, 0L));

        assertThat(tracker.pastLogEnd()).isEqualTo(Map.of(p0, 41L));
        tracker.advanced(List.of(new OffsetAdvance(TOPIC, 0, 41L, 42)));
        assertThat(tracker.pastLogEnd()).as("records past the stored offset are applied again").isEmpty();
    }

    @Test
    void aStoredOffsetWithinTheLogIsNotReported() {
        redis.offsets = Map.of(F0, 9L);
        consumer.updateEndOffsets(Map.of(p0, 10L, p1, 0L));
        assign(Map.of(p0, 0L, p1, 0L));
        assertThat(tracker.pastLogEnd()).isEmpty();
    }

    @Test
    void onlyRecordsOfOwnedPartitionsAboveTheLastAppliedAreNew() {
        assertThat(isNew(p0, 0)).as("not assigned").isFalse();
        redis.offsets = Map.of(F0, 41L);
        tracker.rebuilt(Map.of(F0, 41L));
        assign(Map.of(p0, 0L, p1, 0L));

        assertThat(isNew(p0, 40)).isFalse();
        assertThat(isNew(p0, 41)).as("the last applied one").isFalse();
        assertThat(isNew(p0, 42)).isTrue();
        assertThat(isNew(p1, 0)).as("nothing applied on p1 yet").isTrue();
        assertThat(tracker.isNew(p0, F0, 41)).isFalse();
        assertThat(tracker.isNew(p0, F0, 42)).isTrue();
        assertThat(tracker.isNew(TOPIC, 2, 100)).as("a partition never assigned").isFalse();

        tracker.advanced(List.of(new OffsetAdvance(TOPIC, 0, 41L, 50), new OffsetAdvance(TOPIC, 1, null, 3)));

        assertThat(isNew(p0, 50)).isFalse();
        assertThat(isNew(p0, 51)).isTrue();
        assertThat(isNew(p1, 3)).isFalse();
        assertThat(isNew(p1, 4)).isTrue();
        assertThat(tracker.lastApplied(TOPIC, 0)).isEqualTo(50L);
        assertThat(tracker.lastApplied(TOPIC, 1)).isEqualTo(3L);
        assertThat(tracker.lastApplied(TOPIC, 2)).isNull();
        assertThat(tracker.resuming()).as("no reset happened").isFalse();
    }

    @Test
    void revokedPartitionsAreNoLongerApplied() {
        redis.offsets = Map.of(F0, 9L, F1, 9L);
        tracker.rebuilt(Map.of(F0, 9L, F1, 9L));
        assign(Map.of(p0, 0L, p1, 0L));

        revoke(p0);

        assertThat(isNew(p0, 10)).isFalse();
        assertThat(isNew(p1, 10)).isTrue();
        assertThat(tracker.lastApplied(TOPIC, 0)).as("what was applied stays known").isEqualTo(9L);
    }

    @Test
    void revocationWaitsForTheBatchInFlight() throws Exception {
        redis.offsets = Map.of(F0, 9L);
        tracker.rebuilt(Map.of(F0, 9L));
        assign(Map.of(p0, 0L));
        AtomicBoolean written = new AtomicBoolean();
        CompletableFuture<Void> batch = new CompletableFuture<>();
        tracker.batchStarted(batch);

        Thread writer = new Thread(() -> {
            written.set(true); // the batch's Redis write
            batch.complete(null);
        });
        Thread revoking = new Thread(() -> tracker.onPartitionsRevoked(consumer, List.of(p0)));
        revoking.start();
        while (revoking.isAlive() && revoking.getState() != Thread.State.TIMED_WAITING) {
            Thread.onSpinWait();
        }
        assertThat(revoking.isAlive()).as("revocation returned while the batch was in flight").isTrue();
        writer.start();
        revoking.join(WAIT.toMillis());

        assertThat(revoking.isAlive()).isFalse();
        assertThat(written).isTrue();
        assertThat(isNew(p0, 10)).isFalse();
    }

    @Test
    void assigningAPartitionSomeoneElseWroteAsksForARebuild() {
        tracker.rebuilt(Map.of(F0, 41L, F1, 7L));
        redis.offsets = Map.of(F0, 41L, F1, 7L);
        assign(Map.of(p0, 0L, p1, 0L));
        assertThat(tracker.rebuildNeeded()).as("Redis holds what this instance knows").isFalse();

        revoke(p0);
        redis.offsets = Map.of(F0, 60L, F1, 7L); // another instance applied 42..60 meanwhile
        assign(Map.of(p0, 0L));

        assertThat(tracker.rebuildNeeded()).as("the changelog may bring memory there first").isFalse();
        assertThat(tracker.catchingUp()).isTrue();
        assertThat(tracker.replicates(F0, 50)).as("the changelog serves it up to the stored offset").isTrue();
        assertThat(tracker.replicates(F0, 61)).as("not past it: those are this instance's batches").isFalse();
        assertThat(consumer.position(p0)).isEqualTo(61);
        tracker.awaitCaughtUp(java.time.Duration.ofMillis(50)).await().indefinitely();
        assertThat(tracker.rebuildNeeded()).as("the changelog did not bring it there in time").isTrue();
        assertThat(tracker.catchingUp()).isFalse();

        tracker.rebuilt(Map.of(F0, 60L, F1, 7L));
        assertThat(tracker.rebuildNeeded()).isFalse();
        assertThat(isNew(p0, 60)).isFalse();
        assertThat(isNew(p0, 61)).isTrue();
    }

    @Test
    void aPartitionSomeoneElseWroteCatchesUpThroughTheChangelogWithoutARebuild() {
        tracker.rebuilt(Map.of(F0, 41L));
        redis.offsets = Map.of(F0, 60L); // another instance applied 42..60; the changelog brings memory to 50, then 60
        assign(Map.of(p0, 0L));
        assertThat(tracker.catchingUp()).isTrue();

        var waited = tracker.awaitCaughtUp(java.time.Duration.ofSeconds(30)).subscribeAsCompletionStage();
        tracker.replicated(F0, 50);
        assertThat(waited).isNotDone();
        tracker.replicated(F0, 60);

        assertThat(waited).isCompleted();
        assertThat(tracker.catchingUp()).isFalse();
        assertThat(tracker.rebuildNeeded()).isFalse();
        assertThat(tracker.replicates(F0, 61)).as("consumed here now").isFalse();
        assertThat(isNew(p0, 60)).isFalse();
        assertThat(isNew(p0, 61)).isTrue();
    }

    @Test
    void memoryRebuiltWhileOthersWroteIsNotOneMomentUntilTheChangelogReachesWhatTheRebuildRead() {
        tracker.rebuilt(Map.of(F0, 41L, F1, 7L));
        tracker.rebuildReadUpTo(Map.of(F0, 45L, F1, 7L)); // F0 moved 42..45 while the sets were read
        assertThat(tracker.settled()).isFalse();
        tracker.replicated(F0, 44);
        assertThat(tracker.settled()).isFalse();
        tracker.replicated(F0, 45);
        assertThat(tracker.settled()).isTrue();
    }

    @Test
    void assigningAPartitionWhoseStoredOffsetIsGoneAsksForARebuild() {
        tracker.rebuilt(Map.of(F0, 41L));
        redis.offsets = Map.of();

        assign(Map.of(p0, 0L));

        assertThat(tracker.rebuildNeeded()).isTrue();
        assertThat(consumer.position(p0)).isZero();
    }

    @Test
    void assigningANewPartitionNothingWroteNeedsNoRebuild() {
        assign(Map.of(p0, 0L));

        assertThat(tracker.rebuildNeeded()).isFalse();
    }

    // ---- Redis away on assignment

    @Test
    void partitionsAssignedWhileRedisIsAwayWaitPausedUntilItAnswers() {
        redis.away = true;
        assign(Map.of(p0, 0L, p1, 0L));

        assertThat(consumer.paused()).containsExactlyInAnyOrder(p0, p1);
        assertThat(tracker.waitingForRedis()).containsExactlyInAnyOrder(p0, p1);
        assertThat(isNew(p0, 0)).as("not positioned: not consumed").isFalse();

        tracker.positionPaused().await().atMost(WAIT);
        assertThat(tracker.waitingForRedis()).as("still away").containsExactlyInAnyOrder(p0, p1);
        assertThat(consumer.paused()).containsExactlyInAnyOrder(p0, p1);

        redis.away = false;
        redis.offsets = Map.of(F0, 41L);
        tracker.positionPaused().await().atMost(WAIT);

        assertThat(tracker.waitingForRedis()).isEmpty();
        assertThat(consumer.paused()).isEmpty();
        assertThat(consumer.position(p0)).isEqualTo(42);
        assertThat(consumer.position(p1)).isZero();
        assertThat(isNew(p0, 42)).isTrue();
        assertThat(isNew(p1, 0)).isTrue();
    }

    @Test
    void aPausedPartitionRevokedBeforeRedisAnswersIsNotPositioned() {
        redis.away = true;
        assign(Map.of(p0, 0L, p1, 0L));
        revoke(p1);
        assertThat(tracker.waitingForRedis()).containsExactly(p0);

        redis.away = false;
        redis.offsets = Map.of(F0, 3L, F1, 3L);
        tracker.positionPaused().await().atMost(WAIT);

        assertThat(tracker.waitingForRedis()).isEmpty();
        assertThat(consumer.position(p0)).isEqualTo(4);
        assertThat(isNew(p0, 4)).isTrue();
        assertThat(isNew(p1, 4)).isFalse();
    }

    @Test
    void aPausedPartitionTheConsumerNoLongerHoldsIsDroppedNotPositioned() {
        redis.away = true;
        assign(Map.of(p0, 0L, p1, 0L));
        consumer.assign(List.of(p0)); // p1 went away without this listener hearing of it

        redis.away = false;
        redis.offsets = Map.of(F0, 3L, F1, 3L);
        tracker.positionPaused().await().atMost(WAIT);

        assertThat(tracker.waitingForRedis()).isEmpty();
        assertThat(isNew(p0, 4)).isTrue();
        assertThat(isNew(p1, 4)).isFalse();
    }

    // ---- resets: the resume rule

    /** p0 and p1 assigned and applied up to 100 and 20. */
    private void appliedUpTo100And20() {
        redis.offsets = Map.of(F0, 100L, F1, 20L);
        tracker.rebuilt(Map.of(F0, 100L, F1, 20L));
        assign(Map.of(p0, 0L, p1, 0L));
    }

    @Test
    void aResetSeeksEveryAssignedPartitionAfterTheResetOffsets() {
        appliedUpTo100And20();

        tracker.resetTo(Map.of(F0, 50L, F1, 20L, TOPIC + "/9", 5L)).await().atMost(WAIT);

        assertThat(consumer.position(p0)).isEqualTo(51);
        assertThat(consumer.position(p1)).isEqualTo(21);
        assertThat(tracker.knownOffsets()).isEqualTo(Map.of(F0, 50L, F1, 20L, TOPIC + "/9", 5L));
        assertThat(tracker.lastApplied(TOPIC, 0)).isEqualTo(50L);
        assertThat(tracker.resuming()).isTrue();
        assertThat(tracker.rebuildNeeded()).isFalse();
    }

    @Test
    void afterAResetRecordsFetchedBeforeItsSeekAreDropped() {
        appliedUpTo100And20();
        tracker.resetTo(Map.of(F0, 50L, F1, 20L)).await().atMost(WAIT);

        // still queued from before the seek: above what memory had applied
        assertThat(isNew(p0, 101)).isFalse();
        assertThat(isNew(p0, 150)).isFalse();
        assertThat(tracker.resuming()).isTrue();
        // then the seek delivers 51 on
        assertThat(isNew(p0, 51)).isTrue();
        assertThat(isNew(p0, 52)).isTrue();
    }

    @Test
    void theFirstRecordAfterAResetIsAtMostTheLastOneMemoryHadApplied() {
        appliedUpTo100And20();
        tracker.resetTo(Map.of(F0, 50L, F1, 20L)).await().atMost(WAIT);

        assertThat(isNew(p0, 50)).as("below the seek position").isFalse();
        assertThat(isNew(p0, 101)).as("one past what memory had applied").isFalse();
        assertThat(isNew(p0, 100)).as("the last one memory had applied: the seek can deliver it first").isTrue();
    }

    @Test
    void aMissingRecordAtTheSeekPositionDoesNotStallThePartition() {
        appliedUpTo100And20();
        tracker.resetTo(Map.of(F0, 50L, F1, 20L)).await().atMost(WAIT);

        // 51 and 52 are a transaction marker and a deleted record: the seek delivers 53 first
        assertThat(isNew(p0, 53)).isTrue();
        assertThat(isNew(p0, 54)).isTrue();
    }

    @Test
    void eachPartitionResumesOnItsOwn() {
        appliedUpTo100And20();
        tracker.resetTo(Map.of(F0, 50L, F1, 10L)).await().atMost(WAIT);

        assertThat(isNew(p0, 51)).isTrue();
        assertThat(tracker.resuming()).as("p1 has not resumed yet").isTrue();
        assertThat(isNew(p1, 21)).as("p1 fetched before the seek").isFalse();
        assertThat(isNew(p1, 11)).isTrue();
        assertThat(tracker.resuming()).isFalse();
        assertThat(isNew(p0, 101)).as("resumed: an ordinary new record").isTrue();
    }

    @Test
    void whenMemoryHadNotReachedTheResetPositionAnyRecordFromItIsTheFirst() {
        appliedUpTo100And20();
        // Redis stands ahead of memory: memory is rebuilt at 200 on p0
        tracker.resetTo(Map.of(F0, 200L, F1, 20L)).await().atMost(WAIT);

        assertThat(consumer.position(p0)).isEqualTo(201);
        assertThat(isNew(p0, 150)).as("fetched before the seek, below its position").isFalse();
        assertThat(isNew(p0, 200)).isFalse();
        assertThat(isNew(p0, 5_000)).isTrue();
    }

    @Test
    void aResetWithoutAnOffsetForAPartitionStartsItAtItsLogStart() {
        redis.offsets = Map.of(F0, 100L);
        tracker.rebuilt(Map.of(F0, 100L));
        assign(Map.of(p0, 7L));

        tracker.resetTo(Map.of()).await().atMost(WAIT);

        assertThat(consumer.position(p0)).isEqualTo(7);
        assertThat(tracker.lastApplied(TOPIC, 0)).isNull();
        assertThat(tracker.knownOffsets()).isEmpty();
        assertThat(isNew(p0, 101)).as("fetched before the seek").isFalse();
        assertThat(isNew(p0, 6)).as("before the log start").isFalse();
        assertThat(isNew(p0, 7)).isTrue();
        assertThat(lost()).isZero();
    }

    @Test
    void aFreshAssignmentReplacesAPendingResumePoint() {
        appliedUpTo100And20();
        tracker.resetTo(Map.of(F0, 50L, F1, 20L)).await().atMost(WAIT);
        revoke(p0, p1);
        redis.offsets = Map.of(F0, 50L, F1, 20L);

        assign(Map.of(p0, 0L, p1, 0L));

        assertThat(tracker.resuming()).isFalse();
        assertThat(tracker.rebuildNeeded()).isFalse();
        assertThat(consumer.position(p0)).isEqualTo(51);
        assertThat(isNew(p0, 50)).isFalse();
        assertThat(isNew(p0, 51)).isTrue();
    }

    @Test
    void aResetWithoutAConsumerTakesTheOffsetsAndExpectsNoResume() {
        tracker.rebuilt(Map.of(F0, 100L));
        channelConsumer = null;

        tracker.resetTo(Map.of(F0, 50L)).await().atMost(WAIT);

        assertThat(tracker.knownOffsets()).isEqualTo(Map.of(F0, 50L));
        assertThat(tracker.resuming()).isFalse();
    }

    // ---- retention

    @Test
    void recordsRetentionDeletedPastTheStoredOffsetAreCountedOnAssignment() {
        redis.offsets = Map.of(F0, 41L, F1, 99L);

        assign(Map.of(p0, 100L, p1, 100L));

        // p0 wanted 42, Kafka starts at 100: 42..99 are gone; p1 wanted exactly 100
        assertThat(lost()).isEqualTo(58.0);
        assertThat(consumer.position(p0)).isEqualTo(100);
        assertThat(consumer.position(p1)).isEqualTo(100);
    }

    @Test
    void recordsRetentionDeletedPastTheResetOffsetAreCountedOnReset() {
        appliedUpTo100And20();
        consumer.updateBeginningOffsets(Map.of(p0, 80L, p1, 0L));

        tracker.resetTo(Map.of(F0, 49L, F1, 20L)).await().atMost(WAIT);

        // p0 wanted 50, Kafka starts at 80: 50..79 are gone
        assertThat(lost()).isEqualTo(30.0);
        assertThat(consumer.position(p0)).isEqualTo(80);
        assertThat(consumer.position(p1)).isEqualTo(21);
        assertThat(isNew(p0, 50)).as("below the log start: cannot come").isFalse();
        assertThat(isNew(p0, 80)).isTrue();
    }

    @Test
    void lossesAddUpOverAssignmentsAndResets() {
        redis.offsets = Map.of(F0, 9L);
        tracker.rebuilt(Map.of(F0, 9L));
        assign(Map.of(p0, 15L)); // 10..14

        consumer.updateBeginningOffsets(Map.of(p0, 30L));
        tracker.resetTo(Map.of(F0, 19L)).await().atMost(WAIT); // 20..29

        assertThat(lost()).isEqualTo(15.0);
    }

    // ---- the applied count and the reconciler's copy

    @Test
    void theAppliedCountSumsEveryKnownPartitionsRecords() {
        assertThat(tracker.appliedRecords()).isZero();
        tracker.rebuilt(Map.of(F0, 9L, F1, 19L));
        assertThat(tracker.appliedRecords()).isEqualTo(30);

        tracker.advanced(List.of(new OffsetAdvance(TOPIC, 1, 19L, 24), new OffsetAdvance(TOPIC, 2, null, 0)));
        assertThat(tracker.appliedRecords()).isEqualTo(10 + 25 + 1);

        tracker.rebuilt(Map.of(F0, 4L));
        assertThat(tracker.appliedRecords()).as("a rebuild replaces what was known").isEqualTo(5);
    }

    @Test
    void theKnownOffsetsAreACopy() {
        tracker.rebuilt(Map.of(F0, 9L));
        Map<String, Long> copy = tracker.knownOffsets();

        tracker.advanced(List.of(new OffsetAdvance(TOPIC, 0, 9L, 12)));

        assertThat(copy).isEqualTo(Map.of(F0, 9L));
        assertThatThrownBy(() -> copy.put(F1, 1L)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(tracker.knownOffsets()).isEqualTo(Map.of(F0, 12L));
    }
}
