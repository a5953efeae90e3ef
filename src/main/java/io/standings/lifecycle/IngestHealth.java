package io.standings.lifecycle;

import io.standings.ingest.DeadLetterPublisher;
import io.standings.ingest.PartitionTracker;
import io.standings.ingest.BatchPipeline;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.health.api.HealthGroup;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/**
 * Whether the ingest can move ({@code /q/health/group/ingest}): Redis answers and takes the batch's writes, no assigned partition waits for
 * it, and dead letters are being parked. DOWN here means events wait in Kafka, none is lost; reads go on. It is
 * also DOWN while a partition's stored offset is past its log end (the topic was created again or truncated),
 * whose records up to that offset are skipped: an operator decides (docs/api.md, Health).
 */
@ApplicationScoped
@HealthGroup("ingest")
public class IngestHealth implements AsyncHealthCheck {

    private static final Duration PING_TIMEOUT = Duration.ofSeconds(2);

    private final Redis redis;
    private final PartitionTracker tracker;
    private final DeadLetterPublisher deadLetters;
    private final BatchPipeline consumer;

    public IngestHealth(Redis redis, PartitionTracker tracker, DeadLetterPublisher deadLetters, BatchPipeline consumer) {
        this.redis = redis;
        this.tracker = tracker;
        this.deadLetters = deadLetters;
        this.consumer = consumer;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return redis.send(Request.cmd(Command.PING)).ifNoItem().after(PING_TIMEOUT).fail()
                .map(pong -> (String) null).onFailure().recoverWithItem(e -> String.valueOf(e.getMessage()))
                .map(redisDown -> {
                    java.util.Set<TopicPartition> waiting = tracker.waitingForRedis();
                    boolean dlqFailing = deadLetters.failing();
                    String writesFailing = consumer.redisWriteFailure();
                    Throwable failure = consumer.failure();
                    java.util.Map<TopicPartition, Long> pastLogEnd = tracker.pastLogEnd();
                    HealthCheckResponseBuilder b = HealthCheckResponse.named("Standings ingest")
                            .status(redisDown == null && waiting.isEmpty() && !dlqFailing && failure == null
                                    && pastLogEnd.isEmpty() && writesFailing == null)
                            .withData("redis", redisDown == null ? "answers" : "away: " + redisDown)
                            .withData("partitionsWaitingForRedis", waiting.toString())
                            .withData("deadLetterTopic", dlqFailing ? "not taking records (retrying)" : "taking records");
                    if (!pastLogEnd.isEmpty()) {
                        b.withData("offsetsPastLogEnd", pastLogEnd + ": these partitions' records up to the stored"
                                + " offset are skipped as already applied (the topic was created again or truncated)");
                    }
                    if (writesFailing != null) {
                        // Redis answers a PING but refuses the batch's writes: on a Redis Cluster, a slot without a
                        // primary (CLUSTERDOWN) or moving; the batch is retried, the stream waits.
                        b.withData("redisWrites", "failing, retried: " + writesFailing);
                    }
                    if (failure != null) {
                        b.withData("stopped", String.valueOf(failure.getMessage()));
                    }
                    return b.build();
                });
    }
}
