package io.standings.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The isolated slice of the real servers one test class uses: its own topics, Redis key prefix and
 * PostgreSQL schema, plus a real Kafka producer and DLQ reader. Injected into fields of this type by
 * {@link RealServices}.
 */
public final class TestRun implements AutoCloseable {

    private final Servers servers;
    private final String id;
    private KafkaProducer<byte[], byte[]> producer;

    TestRun(Servers servers, String id) {
        this.servers = servers;
        this.id = id;
    }

    static TestRun create(Servers servers) {
        return new TestRun(servers, UUID.randomUUID().toString().replace("-", "").substring(0, 10));
    }

    public Servers servers() {
        return servers;
    }

    public String topic() {
        return "standings.score-events.it-" + id;
    }

    public String dlqTopic() {
        return topic() + ".dlq";
    }

    public String redisPrefix() {
        return "it:" + id + ":";
    }

    public String schema() {
        return "it_" + id;
    }

    public String consumerGroup() {
        return "standings-it-" + id;
    }

    /** Produces one record and waits for the broker's acknowledgement. */
    public RecordMetadata send(String key, String value) {
        return send(key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    public synchronized RecordMetadata send(byte[] key, byte[] value) {
        try {
            return producer().send(new ProducerRecord<>(topic(), key, value)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not produce to " + topic(), e);
        }
    }

    /**
     * Produces all records without waiting between them (so they arrive as a burst), then waits for
     * every acknowledgement.
     */
    public synchronized void sendAll(List<Map.Entry<String, String>> records) {
        List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>(records.size());
        for (Map.Entry<String, String> record : records) {
            sent.add(producer().send(new ProducerRecord<>(topic(), record.getKey().getBytes(StandardCharsets.UTF_8),
                    record.getValue().getBytes(StandardCharsets.UTF_8))));
        }
        producer().flush();
        try {
            for (var future : sent) {
                future.get(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not produce to " + topic(), e);
        }
    }

    /** Reads the dead-letter topic from the start until {@code expected} records arrived or the time is up. */
    public List<ConsumerRecord<byte[], byte[]>> readDeadLetters(int expected, Duration within) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers.kafkaBootstrap());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(dlqTopic()));
            long deadline = System.nanoTime() + within.toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            // One more short poll so that unexpected extra dead letters are seen too.
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
        }
        return records;
    }

    private KafkaProducer<byte[], byte[]> producer() {
        if (producer == null) {
            producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers.kafkaBootstrap(),
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.LINGER_MS_CONFIG, 0),
                    new ByteArraySerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }
}
