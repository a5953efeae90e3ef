package io.standings.ingest;

import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import io.standings.live.OffsetAdvance;
import io.standings.live.RedisKeys;
import io.standings.live.RedisScoreStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Default;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The exactly-once bookkeeping of the ingest. Redis holds, in the same atomic write as the scores, the
 * offset of the last record applied per partition. On assignment this listener seeks each partition to
 * that offset + 1 (or to the beginning when none is stored), and the consumer skips any record at or
 * below it, so a record is applied once across crashes, restarts, rebalances and redeliveries.
 *
 * <p>Its methods run on the Kafka polling thread, which SmallRye lets them block: the Redis read on
 * assignment and the wait for the in-flight batch on revocation are deliberate.
 */
@ApplicationScoped
@Identifier("standings-partitions")
@Default
public class PartitionTracker implements KafkaConsumerRebalanceListener {

    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(30);
    private static final long REVOKE_WAIT_SECONDS = 30;

    private final RedisScoreStore redis;
    /** Last applied offset of each partition as this instance knows it: its own writes and the last rebuild. */
    private final Map<String, Long> known = new ConcurrentHashMap<>();
    private final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
    /**
     * Reconciliation (issue 6): after a Redis-loss recovery has seeked a partition back to its checkpoint,
     * the next offset it must see first; records fetched before the seek (any other offset) are dropped,
     * since the seek delivers them again in order.
     */
    private final Map<String, Long> resumeAt = new ConcurrentHashMap<>();
    private volatile boolean rebuildNeeded;
    private volatile CompletableFuture<Void> inFlight = CompletableFuture.completedFuture(null);

    public PartitionTracker(RedisScoreStore redis) {
        this.redis = redis;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        Map<String, Long> stored = redis.offsets().await().atMost(REDIS_TIMEOUT);
        for (TopicPartition tp : partitions) {
            String field = RedisKeys.offsetField(tp.topic(), tp.partition());
            Long offset = stored.get(field);
            if (offset != null) {
                consumer.seek(tp, offset + 1);
            } else {
                consumer.seekToBeginning(List.of(tp));
            }
            if (!owned.contains(tp) && !java.util.Objects.equals(known.get(field), offset)) {
                // Someone else wrote this partition since this instance last saw it: its entities in memory are stale.
                rebuildNeeded = true;
            }
            owned.add(tp);
            resumeAt.remove(field); // seeked afresh just now
        }
        Log.infof("Assigned %s; resuming after the offsets stored in Redis", partitions);
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        owned.removeAll(partitions);
        try {
            // Let the batch in flight finish its Redis write before another consumer takes these partitions.
            inFlight.get(REVOKE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            Log.warnf("The batch in flight did not finish within %d s of revoking %s", REVOKE_WAIT_SECONDS, partitions);
        }
    }

    /** Whether the record is one this instance should apply: its partition is owned and it is new. */
    public boolean isNew(String topic, int partition, long offset) {
        return isNew(new TopicPartition(topic, partition), RedisKeys.offsetField(topic, partition), offset);
    }

    /** {@link #isNew(String, int, long)} for a caller that has the partition and its offset field at hand. */
    public boolean isNew(TopicPartition tp, String field, long offset) {
        if (!owned.contains(tp)) {
            return false;
        }
        Long resume = resumeAt.get(field);
        if (resume != null) {
            if (offset != resume) {
                return false; // fetched before a recovery's seek (issue 6): delivered again after it
            }
            resumeAt.remove(field);
        }
        Long last = known.get(field);
        return last == null || offset > last;
    }

    /** The last applied offset this instance knows for the partition, or null. */
    public Long lastApplied(String topic, int partition) {
        return known.get(RedisKeys.offsetField(topic, partition));
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

    /** A copy of the known last applied offsets (issue 6: the reconciler's snapshot, taken between batches). */
    public Map<String, Long> knownOffsets() {
        return Map.copyOf(known);
    }

    public void advanced(List<OffsetAdvance> advances) {
        for (OffsetAdvance a : advances) {
            known.put(a.field(), a.next());
        }
    }

    /** Takes the offsets a rebuild reflects as the known ones. */
    public void rebuilt(Map<String, Long> offsets) {
        known.clear();
        known.putAll(offsets);
        rebuildNeeded = false;
    }

    /**
     * Reconciliation (issue 6): memory was reset to a checkpoint with these offsets and the consumer seeked
     * each assigned partition to the offset in {@code next}, which is the first one to accept.
     */
    public void rebuiltAt(Map<String, Long> offsets, Map<String, Long> next) {
        rebuilt(offsets);
        resumeAt.clear();
        resumeAt.putAll(next);
    }

    /** Whether a recovery's resume points are still pending (then records must be checked one by one, for real). */
    public boolean resuming() {
        return !resumeAt.isEmpty();
    }

    public boolean rebuildNeeded() {
        return rebuildNeeded;
    }

    public void batchStarted(CompletableFuture<Void> batch) {
        inFlight = batch;
    }
}
