package io.standings.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/**
 * Sends rejected records, unchanged (key, value, headers), to the dead-letter topic with headers that
 * say why and where they came from. The returned Uni completes only once Kafka has acknowledged every
 * dead letter, so a batch is never committed before its bad records are safely parked.
 */
@ApplicationScoped
public class DeadLetterPublisher {

    public static final String REASON = "dead-letter-reason";
    public static final String DETAIL = "dead-letter-cause";
    public static final String TOPIC = "dead-letter-topic";
    public static final String PARTITION = "dead-letter-partition";
    public static final String OFFSET = "dead-letter-offset";
    public static final String EVENT_ID = "dead-letter-event-id";

    private static final int IN_FLIGHT = 64;

    private final MutinyEmitter<byte[]> emitter;
    private final MeterRegistry registry;
    private final Counter failures;
    private volatile boolean failing;
    private volatile boolean stopping;

    public DeadLetterPublisher(@Channel("score-events-dlq") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 1024)
            MutinyEmitter<byte[]> emitter, MeterRegistry registry) {
        this.emitter = emitter;
        this.registry = registry;
        this.failures = Counter.builder("standings.dlq.publish.failures")
                .description("Attempts to park a dead letter that Kafka did not take (each is retried)").register(registry);
    }

    public record DeadLetter(ConsumerRecord<byte[], byte[]> record, ParsedRecord.Rejected rejection) {
    }

    /**
     * Sends every letter and completes once Kafka has acknowledged each. A letter Kafka does not take (the topic
     * deleted, the broker away) is retried with back-off until it does: the batch, and so the stream, waits,
     * and its offsets never move past a dead letter that is not parked. Each failed attempt is counted
     * ({@code standings_dlq_publish_failures_total}) and the ingest health group reports the outage.
     */
    public Uni<Void> publish(List<DeadLetter> letters) {
        if (letters.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Multi.createFrom().iterable(letters)
                .onItem().transformToUni(letter -> Uni.createFrom().deferred(() -> send(letter))
                        .invoke(() -> failing = false)
                        .onFailure().invoke(this::failed)
                        .onFailure(e -> !stopping).retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(10))
                        .indefinitely())
                .merge(IN_FLIGHT)
                .collect().last()
                .replaceWithVoid();
    }

    private void failed(Throwable e) {
        failing = true;
        failures.increment();
        Log.warnf("The dead-letter topic did not take a record, retrying (the ingest waits): %s", e.getMessage());
    }

    /** Whether the last attempt to park a dead letter failed (and is being retried). */
    public boolean failing() {
        return failing;
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    private Uni<Void> send(DeadLetter letter) {
        ConsumerRecord<byte[], byte[]> record = letter.record();
        ParsedRecord.Rejected rejection = letter.rejection();
        RecordHeaders headers = new RecordHeaders();
        for (Header header : record.headers()) {
            headers.add(header);
        }
        headers.add(header(REASON, rejection.reason().code()));
        headers.add(header(DETAIL, rejection.detail()));
        headers.add(header(TOPIC, record.topic()));
        headers.add(header(PARTITION, Integer.toString(record.partition())));
        headers.add(header(OFFSET, Long.toString(record.offset())));
        if (rejection.eventId() != null) {
            headers.add(header(EVENT_ID, rejection.eventId()));
        }
        OutgoingKafkaRecordMetadata<byte[]> metadata = OutgoingKafkaRecordMetadata.<byte[]>builder()
                .withKey(record.key())
                .withHeaders(headers)
                .build();
        byte[] value = record.value() != null ? record.value() : new byte[0];
        return emitter.sendMessage(Message.of(value).addMetadata(metadata))
                .invoke(() -> registry.counter("standings.events.dead.lettered", "reason", rejection.reason().code())
                        .increment());
    }

    private static RecordHeader header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
