package io.standings.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.standings.state.ScoreChange;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The changelog on Kafka: an idempotent producer ({@code acks=all}), so that records of one partition arrive
 * once and in order. {@code send} can block while the broker is away (metadata), so it runs on one thread of
 * its own, never on an event loop; completion comes back on the caller's Vert.x context.
 */
@ApplicationScoped
public class KafkaChangelog implements Changelog {

    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "standings-changelog-send");
        t.setDaemon(true);
        return t;
    });
    private final Counter published;

    public KafkaChangelog(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap,
            @ConfigProperty(name = "standings.changelog.topic") String topic, MeterRegistry registry) {
        this.topic = topic;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                ProducerConfig.CLIENT_ID_CONFIG, "standings-changelog"),
                new ByteArraySerializer(), new ByteArraySerializer());
        this.published = Counter.builder("standings.changelog.published")
                .description("Records published to the changelog (states and positions)").register(registry);
    }

    @Override
    public Uni<Void> publish(List<PartitionStates> batch) {
        if (batch.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Context context = Vertx.currentContext();
        CompletableFuture<Void> acked = new CompletableFuture<>();
        sender.execute(() -> send(batch, acked));
        Uni<Void> done = Uni.createFrom().completionStage(acked);
        return context == null ? done : done.emitOn(task -> context.runOnContext(v -> task.run()));
    }

    private void send(List<PartitionStates> batch, CompletableFuture<Void> acked) {
        int total = 0;
        for (PartitionStates p : batch) {
            total += p.states().size() + 1;
        }
        int records = total;
        AtomicInteger pending = new AtomicInteger(total);
        org.apache.kafka.clients.producer.Callback callback = (metadata, error) -> {
            if (error != null) {
                acked.completeExceptionally(error);
            } else if (pending.decrementAndGet() == 0) {
                published.increment(records);
                acked.complete(null);
            }
        };
        try {
            for (PartitionStates p : batch) {
                RecordHeader position = new RecordHeader(ChangelogRecords.POSITION_HEADER, ChangelogRecords.long8(p.position()));
                RecordHeaders headers = new RecordHeaders(p.republished()
                        ? new RecordHeader[] { position,
                                new RecordHeader(ChangelogRecords.REPUBLISH_HEADER, ChangelogRecords.long8(p.heldUpTo())) }
                        : new RecordHeader[] { position });
                headers.setReadOnly();
                for (ScoreChange state : p.states()) {
                    producer.send(new ProducerRecord<>(topic, p.partition(), null, ChangelogRecords.key(state),
                            ChangelogRecords.value(state), headers), callback);
                }
                producer.send(new ProducerRecord<>(topic, p.partition(), null, ChangelogRecords.positionKey(),
                        ChangelogRecords.long8(p.position()), headers), callback);
            }
        } catch (RuntimeException e) {
            acked.completeExceptionally(e);
        }
    }

    @PreDestroy
    void close() {
        sender.shutdown();
        producer.close(Duration.ofSeconds(5));
    }
}
