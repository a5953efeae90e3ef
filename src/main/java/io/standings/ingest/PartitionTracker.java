package io.standings.ingest;

import io.standings.state.BoardPeriods;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import io.standings.state.AppliedPositions;
import io.standings.state.OffsetAdvance;
import io.standings.state.SlotOffsets;
import io.standings.store.redis.RedisReads;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Default;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The exactly-once bookkeeping of the ingest. Redis holds, in the same atomic write as the scores, the
 * offset of the last record applied per partition. On assignment this listener seeks each partition to
 * that offset + 1 (or to the beginning when none is stored), and the consumer skips any record at or
 * below it, so a record is applied once across crashes, restarts, rebalances and redeliveries.
 *
 * <p><b>Resets.</b> When memory is reset to another state (a Redis-loss recovery to the PostgreSQL checkpoint,
 * a re-sync with Redis after a fence), every assigned partition is seeked to that state's offset + 1 and
 * the consumer must drop what it fetched before the seek. The first record accepted after a reset is the
 * first one at or after the seek position that the seek can have delivered: when memory had applied
 * records past the position, that is one at or below the last of them (records fetched before the seek
 * all lie above it); otherwise any. So a transaction marker or a deleted record at the position never
 * stalls the partition. Records that Kafka no longer holds (retention moved the log start past the
 * position) cannot be replayed: they are counted ({@code standings_replay_records_lost_total}) and logged
 * as an error, never skipped silently.
 *
 * <p><b>Redis away on assignment.</b> A partition whose stored offset cannot be read is paused, not
 * consumed from a guessed position; it is positioned and resumed as soon as Redis answers.
 *
 * <p>Its rebalance callbacks run on the Kafka polling thread, which SmallRye lets them block: the short
 * Redis read on assignment and the wait for the in-flight batch on revocation are deliberate.
 */
@ApplicationScoped
@Identifier("standings-partitions")
@Default
public class PartitionTracker implements KafkaConsumerRebalanceListener {

    static final String CHANNEL = "score-events";
    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(5);
    private static final long REVOKE_WAIT_SECONDS = 30;

    private final RedisReads redis;
    private final KafkaClientService kafka;
    private final Counter lostRecords;
    /** Last applied offset of each partition as this instance knows it: its own writes and the last reset. */
    private final Map<String, Long> known = new ConcurrentHashMap<>();
    private final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
    /** Partitions assigned and not yet {@link #republished}: their new owner republishes their last batch. */
    private final Set<TopicPartition> assignedSince = ConcurrentHashMap.newKeySet();
    private final AppliedPositions positions;
    private final Map<TopicPartition, Long> pastLogEnd = new ConcurrentHashMap<>();
    /** Assigned partitions not positioned yet (Redis did not answer): paused until it does. */
    private final Set<TopicPartition> unpositioned = ConcurrentHashMap.newKeySet();
    /** After a reset: per partition, which first record to accept (see the class comment). */
    private final Map<String, Resume> resumeAt = new ConcurrentHashMap<>();
    private volatile boolean rebuildNeeded;
    /** Newly assigned partitions whose stored offset memory does not hold yet, with that offset (see {@link #awaitCaughtUp}). */
    private final Map<String, Long> catchingUp = new ConcurrentHashMap<>();
    private final Map<String, Long> settleAt = new ConcurrentHashMap<>();
    /** What each board period's slot holds for the owned partitions (the fences of the Redis writes). */
    private final SlotOffsets slots = new SlotOffsets();
    private volatile CompletableFuture<Void> inFlight = CompletableFuture.completedFuture(null);

    /** The first record to accept after a reset: the first with {@code from <= offset <= upTo}. */
    record Resume(long from, long upTo) {
        boolean accepts(long offset) {
            return offset >= from && offset <= upTo;
        }
    }

    public PartitionTracker(RedisReads redis, KafkaClientService kafka, MeterRegistry registry,
            AppliedPositions positions) {
        this.redis = redis;
        this.positions = positions;
        this.kafka = kafka;
        this.lostRecords = Counter.builder("standings.replay.records.lost")
                .description("Records Kafka no longer held (retention) when the ingest had to read them again or for the first time")
                .register(registry);
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        RedisReads.StoredOffsets stored;
        try {
            stored = redis.storedOffsets(slots.periods()).await().atMost(REDIS_TIMEOUT);
        } catch (RuntimeException e) {
            consumer.pause(partitions);
            unpositioned.addAll(partitions);
            Log.warnf("Assigned %s but Redis does not answer (%s): the partitions stay paused until it does",
                    partitions, e.getMessage());
            return;
        }
        position(consumer, partitions, stored);
    }

    /**
     * Seeks newly assigned partitions after their floor, takes them as owned, and takes what each board period holds
     * of them as the fences of the next writes.
     */
    private void position(Consumer<?, ?> consumer, Collection<TopicPartition> partitions, RedisReads.StoredOffsets offsets) {
        List<String> fields = partitions.stream().map(tp -> BoardPeriods.partition(tp.topic(), tp.partition())).toList();
        slots.load(fields, offsets.byPeriod());
        Map<String, Long> stored = offsets.floor();
        Map<TopicPartition, Long> logStarts = logStarts(consumer, partitions);
        Map<TopicPartition, Long> logEnds = logEnds(consumer, partitions);
        for (TopicPartition tp : partitions) {
            String field = BoardPeriods.partition(tp.topic(), tp.partition());
            Long offset = stored.get(field);
            long logStart = logStarts.getOrDefault(tp, 0L);
            Long logEnd = logEnds.get(tp);
            if (offset != null && logEnd != null && offset >= logEnd) {
                pastLogEnd.put(tp, offset);
                Log.errorf("Redis says offset %d of %s is applied, but the partition ends at %d: the topic was deleted and"
                        + " created again, or Kafka truncated it. Its records up to offset %d are skipped as already"
                        + " applied. If they are new events, delete the field '%s' of the Redis hash of offsets and of every"
                        + " board period's offsets hash (docs/redis-layout.md) and restart: the partition is then read"
                        + " from its beginning.",
                        offset, tp, logEnd, offset, field);
            } else {
                pastLogEnd.remove(tp);
            }
            if (offset != null) {
                countLost(tp, offset + 1, logStart);
                consumer.seek(tp, Math.max(offset + 1, logStart));
            } else {
                consumer.seekToBeginning(List.of(tp));
            }
            Long held = known.get(field);
            if (!owned.contains(tp) && !java.util.Objects.equals(held, offset)) {
                // Someone else wrote this partition since memory last took it. Memory follows it through the
                // changelog, which may be a little behind: the partition catches up from there before its first
                // batch (awaitCaughtUp), and memory is rebuilt from Redis when it cannot.
                if (offset != null && (held == null || held < offset)) {
                    catchingUp.put(field, offset);
                } else {
                    rebuildNeeded = true;
                }
            }
            owned.add(tp);
            assignedSince.add(tp);
            resumeAt.remove(field); // seeked afresh just now
        }
        Log.infof("Assigned %s; resuming after the offsets stored in Redis", partitions);
    }

    /** Positions the partitions left paused because Redis was away at their assignment. */
    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> positionPaused() {
        if (unpositioned.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        KafkaConsumer<Object, Object> consumer = kafka.getConsumer(CHANNEL);
        if (consumer == null) {
            return Uni.createFrom().voidItem();
        }
        return redis.storedOffsets(slots.periods()).ifNoItem().after(REDIS_TIMEOUT).fail()
                .chain(stored -> consumer.runOnPollingThread(c -> {
                    List<TopicPartition> ready = new ArrayList<>();
                    for (TopicPartition tp : List.copyOf(unpositioned)) {
                        if (c.assignment().contains(tp)) {
                            ready.add(tp);
                        }
                        unpositioned.remove(tp);
                    }
                    if (!ready.isEmpty()) {
                        position(c, ready, stored);
                        c.resume(ready);
                    }
                    return null;
                }))
                .onFailure().invoke(e -> Log.debugf("Paused partitions wait for Redis: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        owned.removeAll(partitions);
        slots.forget(partitions.stream().map(tp -> BoardPeriods.partition(tp.topic(), tp.partition())).toList());
        assignedSince.removeAll(partitions);
        partitions.forEach(tp -> catchingUp.remove(BoardPeriods.partition(tp.topic(), tp.partition())));
        unpositioned.removeAll(partitions);
        try {
            // Let the batch in flight finish its Redis write before another consumer takes these partitions.
            inFlight.get(REVOKE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            Log.warnf("The batch in flight did not finish within %d s of revoking %s", REVOKE_WAIT_SECONDS, partitions);
        } catch (ExecutionException e) {
            // Its own pipeline reports the failure; the revocation only had to wait for it to end.
            Log.debugf("The batch in flight when revoking %s failed: %s", partitions, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Resets the consumer to a state of memory that reflects {@code applied} ("topic/partition" → last applied
     * offset): every assigned partition is seeked to its offset + 1 (its beginning when none), and what was
     * fetched before the seek is dropped (see the class comment). Memory must already hold that state.
     */
    public Uni<Void> resetTo(Map<String, Long> applied) {
        KafkaConsumer<Object, Object> consumer = kafka.getConsumer(CHANNEL);
        if (consumer == null) {
            reset(applied, Map.of());
            return Uni.createFrom().voidItem();
        }
        return consumer.runOnPollingThread(c -> {
            Map<String, Long> next = new HashMap<>();
            Collection<TopicPartition> assigned = c.assignment();
            Map<TopicPartition, Long> logStarts = logStarts(c, assigned);
            for (TopicPartition tp : assigned) {
                String field = BoardPeriods.partition(tp.topic(), tp.partition());
                Long last = applied.get(field);
                long logStart = logStarts.getOrDefault(tp, 0L);
                long from = last == null ? logStart : Math.max(last + 1, logStart);
                if (last != null) {
                    countLost(tp, last + 1, logStart);
                }
                c.seek(tp, from);
                next.put(field, from);
            }
            return next;
        }).invoke(next -> reset(applied, next)).replaceWithVoid();
    }

    private void reset(Map<String, Long> applied, Map<String, Long> next) {
        Map<String, Resume> resumes = new HashMap<>();
        next.forEach((field, from) -> {
            Long before = known.get(field);
            resumes.put(field, new Resume(from, before != null && before >= from ? before : Long.MAX_VALUE));
        });
        rebuilt(applied);
        resumeAt.clear();
        resumeAt.putAll(resumes);
    }

    private static Map<TopicPartition, Long> logEnds(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        try {
            return consumer.endOffsets(partitions, Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            Log.warnf("Could not read the log end of %s: %s", partitions, e.getMessage());
            return Map.of();
        }
    }

    /**
     * Owned partitions whose stored offset is at or past their log end (the topic was created again, or truncated),
     * with that offset: until the partition's records reach it, they are skipped as already applied. The ingest
     * health says so.
     */
    public Map<TopicPartition, Long> pastLogEnd() {
        Map<TopicPartition, Long> copy = new HashMap<>(pastLogEnd);
        copy.keySet().retainAll(owned);
        copy.entrySet().removeIf(e -> {
            Long applied = known.get(BoardPeriods.partition(e.getKey().topic(), e.getKey().partition()));
            return applied != null && applied > e.getValue();
        });
        return copy;
    }

    private static Map<TopicPartition, Long> logStarts(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        try {
            return consumer.beginningOffsets(partitions, Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            Log.warnf("Could not read the log start of %s: %s", partitions, e.getMessage());
            return Map.of();
        }
    }

    /** Records from {@code wanted} to {@code logStart} - 1 are gone from Kafka: loud, counted, never silent. */
    private void countLost(TopicPartition tp, long wanted, long logStart) {
        if (logStart > wanted) {
            lostRecords.increment(logStart - wanted);
            Log.errorf("Kafka no longer holds offsets %d..%d of %s (retention): their effect cannot be replayed and is"
                    + " lost; the partition continues at %d. Keep the topic's retention longer than the time between"
                    + " two reconciliations plus any outage.", wanted, logStart - 1, tp, logStart);
        }
    }

    /** Whether the record is one this instance should apply: its partition is owned and it is new. */
    public boolean isNew(String topic, int partition, long offset) {
        return isNew(new TopicPartition(topic, partition), BoardPeriods.partition(topic, partition), offset);
    }

    /** {@link #isNew(String, int, long)} for a caller that has the partition and its offset field at hand. */
    public boolean isNew(TopicPartition tp, String field, long offset) {
        if (!owned.contains(tp)) {
            return false;
        }
        Resume resume = resumeAt.get(field);
        if (resume != null) {
            if (!resume.accepts(offset)) {
                return false; // fetched before a reset's seek: delivered again after it
            }
            resumeAt.remove(field);
        }
        Long last = known.get(field);
        return last == null || offset > last;
    }

    /** The last applied offset this instance knows for the partition, or null. */
    public Long lastApplied(String topic, int partition) {
        return known.get(BoardPeriods.partition(topic, partition));
    }

    /**
     * The number of records whose effect the live state holds, summed over every partition this instance
     * knows: grows with every applied batch, and survives restarts (it comes from the offsets in Redis).
     */
    public long appliedRecords() {
        long total = 0;
        for (Long offset : known.values()) {
            total += offset + 1;
        }
        return total;
    }

    /** A copy of the known last applied offsets (the reconciler's snapshot, taken between batches). */
    public Map<String, Long> knownOffsets() {
        return Map.copyOf(known);
    }

    public void advanced(List<OffsetAdvance> advances) {
        for (OffsetAdvance a : advances) {
            known.put(a.field(), a.next());
            positions.set(a.partition(), a.next());
        }
    }

    /** What each board period's slot holds for the owned partitions (the fences of the Redis writes). */
    public SlotOffsets slotOffsets() {
        return slots;
    }

    /** Memory was rebuilt from Redis, whose board periods hold these offsets: the fences of the owned partitions. */
    public void slotsRead(Map<String, Map<String, Long>> byPeriod) {
        slots.load(ownedFields(), byPeriod);
    }

    private List<String> ownedFields() {
        return owned.stream().map(tp -> BoardPeriods.partition(tp.topic(), tp.partition())).toList();
    }

    /** Takes the offsets a rebuild reflects as the known ones. */
    public void rebuilt(Map<String, Long> offsets) {
        catchingUp.clear();
        known.clear();
        known.putAll(offsets);
        Map<Integer, Long> byPartition = new HashMap<>();
        offsets.forEach((field, offset) -> byPartition.put(partitionOf(field), offset));
        positions.replaceAll(byPartition);
        rebuildNeeded = false;
    }

    /**
     * Whether a changelog record of the partition named {@code field} reflecting its offset {@code position} is for
     * memory: the partition is not consumed here (its consumer is another instance) and memory does not hold that
     * position yet. Called under the gate.
     */
    public boolean replicates(String field, long position) {
        return replicates(field, position, false);
    }

    /**
     * {@link #replicates(String, long)}; a republish (the states Redis holds now, at the partition's floor) is taken
     * at a position memory already holds too.
     */
    public boolean replicates(String field, long position, boolean republished) {
        Long target = catchingUp.get(field);
        if (target != null ? position > target : owns(field)) {
            return false; // consumed here (up to a catching-up partition's stored offset, the changelog still serves)
        }
        Long last = known.get(field);
        return last == null || position > last || (republished && position == last);
    }

    /** Memory holds the partition's batch up to {@code position}, from the changelog. Called under the gate. */
    public void replicated(String field, long position) {
        if (replicates(field, position)) {
            known.put(field, position);
            Long target = catchingUp.get(field);
            if (target != null && position >= target) {
                catchingUp.remove(field);
            }
            positions.set(partitionOf(field), position);
        }
    }

    /**
     * After a rebuild from Redis: the offsets Redis stood at when the rebuild had read the sorted sets. Memory may
     * hold states up to them (other instances kept writing while it read) but reports the offsets read before;
     * until the changelog brings every partition there, memory is not one consistent moment, and no checkpoint is
     * taken from it ({@link #settled}).
     */
    public void rebuildReadUpTo(Map<String, Long> offsetsAfter) {
        settleAt.clear();
        settleAt.putAll(offsetsAfter);
    }

    /**
     * Memory holds states of the partition past its position, up to {@code offset} (a republish of a batch cut off
     * between two board periods): until the position reaches it, memory is not one moment ({@link #settled}).
     */
    public void heldAhead(String field, long offset) {
        settleAt.merge(field, offset, Math::max);
    }

    /** Whether memory's scores and positions are one moment (not right after a rebuild, before the changelog caught up). */
    public boolean settled() {
        settleAt.entrySet().removeIf(e -> {
            Long held = known.get(e.getKey());
            return held != null && held >= e.getValue();
        });
        return settleAt.isEmpty();
    }

    /** Whether a newly assigned partition still waits for the changelog to bring memory to its stored offset. */
    public boolean catchingUp() {
        return !catchingUp.isEmpty();
    }

    /**
     * Completes once memory holds the stored offset of every newly assigned partition (the changelog brought it
     * there), or after {@code within}: the partitions still behind then (their last batch never reached the
     * changelog: its consumer died in between) ask for a rebuild from Redis. Called before a batch takes the gate,
     * so that the changelog can be applied meanwhile.
     */
    public Uni<Void> awaitCaughtUp(Duration within) {
        if (catchingUp.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().<Void>emitter(em -> positions.whenReached(new AppliedPositions.Waiter() {
            @Override
            public boolean reached(AppliedPositions p) {
                return catchingUp.isEmpty();
            }

            @Override
            public void done() {
                em.complete(null);
            }
        })).ifNoItem().after(within).recoverWithItem(() -> {
            if (!catchingUp.isEmpty()) {
                Log.infof("The changelog did not bring %s to their stored offsets within %s: memory is rebuilt from Redis",
                        catchingUp.keySet(), within);
                rebuildNeeded = true;
                catchingUp.clear();
            }
            return null;
        });
    }

    /** Whether this instance consumes the partition named {@code field} ("topic/partition"). */
    public boolean owns(String field) {
        int slash = field.lastIndexOf('/');
        return owned.contains(new TopicPartition(field.substring(0, slash), partitionOf(field)));
    }

    /**
     * The partitions assigned and not yet {@link #republished}: their new owner republishes their last batch to
     * the changelog before it writes a batch of its own.
     */
    public List<TopicPartition> assignedNotRepublished() {
        assignedSince.retainAll(owned);
        return List.copyOf(assignedSince);
    }

    public void republished(Collection<TopicPartition> partitions) {
        assignedSince.removeAll(partitions);
    }

    private static int partitionOf(String field) {
        return Integer.parseInt(field.substring(field.lastIndexOf('/') + 1));
    }

    /** Whether a reset's resume points are still pending (then records must be checked one by one, for real). */
    public boolean resuming() {
        return !resumeAt.isEmpty();
    }

    public boolean rebuildNeeded() {
        return rebuildNeeded;
    }

    /** Assigned partitions waiting, paused, for Redis to answer (for health). */
    public Set<TopicPartition> waitingForRedis() {
        return Set.copyOf(unpositioned);
    }

    public void batchStarted(CompletableFuture<Void> batch) {
        inFlight = batch;
    }
}
