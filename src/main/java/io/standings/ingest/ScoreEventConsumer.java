package io.standings.ingest;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** The score-events channel: each Kafka poll batch goes to the {@link BatchPipeline}. */
@ApplicationScoped
public class ScoreEventConsumer {

    private final BatchPipeline pipeline;

    public ScoreEventConsumer(BatchPipeline pipeline) {
        this.pipeline = pipeline;
    }

    @Incoming("score-events")
    public Uni<Void> consume(ConsumerRecords<byte[], byte[]> records) {
        return pipeline.consume(records);
    }
}
