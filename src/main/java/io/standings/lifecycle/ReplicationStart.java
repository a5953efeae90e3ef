package io.standings.lifecycle;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.standings.ingest.ReplicationTopics;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

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

    private final String bootstrap;
    private final ReplicationTopics topics;
    private volatile Map<TopicPartition, Long> offsets = Map.of();
    private volatile boolean known;
    private volatile long markedAt;

    public ReplicationStart(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap, ReplicationTopics topics) {
        this.bootstrap = bootstrap;
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
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.CLIENT_ID_CONFIG, "standings-replication-start"))) {
            Map<TopicPartition, Long> ends = new HashMap<>();
            for (String topic : List.of(topics.control(), topics.changelog())) {
                ends.putAll(endsOf(admin, topic));
            }
            offsets = Map.copyOf(ends);
            known = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unknown(e);
        } catch (Exception e) {
            unknown(e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e);
        }
    }

    /** Each partition's end offset; none when the topic does not exist (the follower then starts at 0). */
    private static Map<TopicPartition, Long> endsOf(Admin admin, String topic) throws Exception {
        TopicDescription d;
        try {
            d = admin.describeTopics(List.of(topic)).allTopicNames().get(5, TimeUnit.SECONDS).get(topic);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return Map.of();
            }
            throw e;
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        d.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        Map<TopicPartition, Long> ends = new HashMap<>();
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e
                : admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS).entrySet()) {
            ends.put(e.getKey(), e.getValue().offset());
        }
        return ends;
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
