package io.standings.lifecycle;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Where the control topic ended before start-up read PostgreSQL and Redis. An instance publishes an admin change
 * only after PostgreSQL and Redis hold it, so every control record before that offset is already in what start-up
 * loads; the {@link ReplicaFollower} applies only the records from it on. Applying an older one again would be
 * wrong, not merely redundant: an erasure or a board deletion replayed over the entries created after it would
 * delete them from memory.
 *
 * <p>When Kafka does not answer at start-up, the time of the mark stands in for the offset (records produced from
 * then on are applied); an instance whose clock runs ahead of another's can then miss that one's change until its
 * next rebuild, which is logged.
 */
@ApplicationScoped
public class ControlStart {

    private final String bootstrap;
    private final String topic;
    private volatile long offset = -1;
    private volatile long markedAt;

    public ControlStart(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap,
            @ConfigProperty(name = "standings.control.topic") String topic) {
        this.bootstrap = bootstrap;
        this.topic = topic;
    }

    /** Reads the control topic's end offset (0 when the topic does not exist yet); once, before start-up loads. */
    public Uni<Void> mark() {
        Context context = Vertx.currentContext();
        Uni<Void> marked = Uni.createFrom().item(() -> {
            markedAt = System.currentTimeMillis();
            offset = endOffset();
            return (Void) null;
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        return context == null ? marked : marked.emitOn(task -> context.runOnContext(v -> task.run()));
    }

    private long endOffset() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.CLIENT_ID_CONFIG, "standings-control-start"))) {
            TopicPartition tp = new TopicPartition(topic, 0);
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get(5, TimeUnit.SECONDS).offset();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return 0;
            }
            return unknown(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unknown(e);
        } catch (Exception e) {
            return unknown(e);
        }
    }

    private long unknown(Throwable cause) {
        Log.warnf("Could not read where the control topic '%s' ends (%s): admin changes of other instances are"
                + " applied from those produced after %s on", topic, cause, java.time.Instant.ofEpochMilli(markedAt));
        return -1;
    }

    /** The first control offset start-up's load does not reflect; -1 when unknown (then see {@link #markedAt}). */
    public long offset() {
        return offset;
    }

    /** When the mark was taken (wall clock of this instance). */
    public long markedAt() {
        return markedAt;
    }
}
