package io.standings.lifecycle;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.standings.ingest.ReplicationTopics;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.TopicPartition;

/**
 * Where the control topic and each changelog partition ended before start-up read PostgreSQL and Redis: the
 * {@link ReplicaFollower} reads both from there. An instance publishes an admin change only once PostgreSQL and
 * Redis hold it, and a batch's states only once Redis holds the batch; so every record before these offsets is
 * already in what start-up loads, and every change after the load is after them.
 * <ul>
 *   <li>For the control topic this is a matter of correctness: an erasure or a board deletion applied again over a
 *       load that already holds it would delete the entries written after it.</li>
 *   <li>For the changelog it is a matter of time: states memory already holds would be skipped by position, but
 *       reading them (a whole recent load) would delay readiness.</li>
 * </ul>
 * When Kafka does not answer at start-up the offsets are unknown: the follower then reads the control topic from
 * the time of the mark and the changelog from a margin before it ({@code standings.replica.bootstrap-margin}); an
 * instance whose clock runs ahead of another's can then miss that one's admin change until its next rebuild, which
 * is logged.
 */
@ApplicationScoped
public class ReplicationStart {

    private final ReplicationTopics topics;
    private volatile Map<TopicPartition, Long> offsets = Map.of();
    private volatile boolean known;
    private volatile long markedAt;

    public ReplicationStart(ReplicationTopics topics) {
        this.topics = topics;
    }

    /** Reads where the topics end (a topic not created yet ends at 0); before every attempt of start-up's load. */
    public Uni<Void> mark() {
        Context context = Vertx.currentContext();
        Uni<Void> marked = Uni.createFrom().item(() -> {
            markedAt = System.currentTimeMillis();
            read();
            return (Void) null;
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        return context == null ? marked : marked.emitOn(task -> context.runOnContext(v -> task.run()));
    }

    private void read() {
        try {
            offsets = Map.copyOf(topics.endOffsets());
            known = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unknown(e);
        } catch (Exception e) {
            unknown(e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e);
        }
    }

    private void unknown(Throwable cause) {
        known = false;
        offsets = Map.of();
        Log.warnf("Could not read where the changelog and control topics end (%s): admin changes of other instances"
                + " are applied from those produced after %s on", cause, java.time.Instant.ofEpochMilli(markedAt));
    }

    /** Whether the mark has offsets (Kafka answered); otherwise see {@link #markedAt}. */
    public boolean known() {
        return known;
    }

    /** The first offset of the partition start-up's load does not reflect: 0 for a partition that did not exist. */
    public long offset(TopicPartition partition) {
        return offsets.getOrDefault(partition, 0L);
    }

    /** When the mark was taken (wall clock of this instance). */
    public long markedAt() {
        return markedAt;
    }
}
