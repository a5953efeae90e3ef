package io.standings.ingest;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Publishes {@link AdminChange}s to the control topic, each tagged with this instance's id (header
 * {@value #ORIGIN_HEADER}), so the instance that made a change does not apply it twice. The Uni completes once the
 * broker has the record; an admin call answers only then.
 */
@ApplicationScoped
public class AdminChangePublisher {

    public static final String ORIGIN_HEADER = "standings-origin";

    private final String topic;
    private final String origin = UUID.randomUUID().toString();
    private final KafkaProducer<byte[], byte[]> producer;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "standings-control-send");
        t.setDaemon(true);
        return t;
    });

    public AdminChangePublisher(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap,
            @ConfigProperty(name = "standings.control.topic") String topic) {
        this.topic = topic;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                ProducerConfig.CLIENT_ID_CONFIG, "standings-control"),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** This instance's id, as its control records carry it. */
    public String origin() {
        return origin;
    }

    public Uni<Void> publish(AdminChange change) {
        Context context = Vertx.currentContext();
        CompletableFuture<Void> acked = new CompletableFuture<>();
        sender.execute(() -> {
            try {
                RecordHeaders headers = new RecordHeaders(new RecordHeader[] {
                        new RecordHeader(ORIGIN_HEADER, origin.getBytes(StandardCharsets.UTF_8)) });
                producer.send(new ProducerRecord<>(topic, 0, null, change.key(), change.value(), headers),
                        (metadata, error) -> {
                            if (error != null) {
                                acked.completeExceptionally(error);
                            } else {
                                acked.complete(null);
                            }
                        });
            } catch (RuntimeException e) {
                acked.completeExceptionally(e);
            }
        });
        Uni<Void> done = Uni.createFrom().completionStage(acked);
        return context == null ? done : done.emitOn(task -> context.runOnContext(v -> task.run()));
    }

    @PreDestroy
    void close() {
        sender.shutdown();
        producer.close(Duration.ofSeconds(5));
    }
}
