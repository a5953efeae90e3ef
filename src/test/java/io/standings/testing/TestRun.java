package io.standings.testing;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
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

    public static TestRun create(Servers servers) {
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

    /** The run's changelog and control topics (the service creates them). */
    public String changelogTopic() {
        return topic() + ".changelog";
    }

    public String controlTopic() {
        return topic() + ".control";
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

    /**
     * The admin API key the test profile configures ({@code %test.standings.admin.api-key} in
     * application.properties; the same literal there). Public on purpose: it only ever guards test runs, but
     * like any configured key it must pass {@code AdminKeyRule} or the service refuses to start.
     */
    public static final String ADMIN_KEY = "1649eafb0946089cc5f13ee2a25d61e1a7c8366e8af38423";

    /** Creates or updates a board through the admin API of the application under test. */
    public static void putBoard(String board, String definition) {
        io.restassured.RestAssured.given()
                .header("X-API-Key", ADMIN_KEY)
                .contentType("application/json")
                .body(definition)
                .put("/api/v1/boards/{board}", board)
                .then().statusCode(200);
    }

    /** Creates a plain board: desc, ordinal ties, set. */
    public static void putBoard(String board) {
        putBoard(board, "{}");
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
     * Produces one record stamped as produced at {@code producedAt} (epoch ms; the broker keeps CreateTime) and
     * waits for the acknowledgement: an event produced within its period and delivered late.
     */
    public synchronized RecordMetadata sendProducedAt(String key, String value, long producedAt) {
        try {
            return producer().send(new ProducerRecord<>(topic(), null, producedAt, key.getBytes(StandardCharsets.UTF_8),
                    value.getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not produce to " + topic(), e);
        }
    }

    /** {@link #sendAsync(String, String)} with the record stamped as produced at {@code producedAt} (epoch ms). */
    public synchronized java.util.concurrent.Future<RecordMetadata> sendAsyncProducedAt(String key, String value,
            long producedAt) {
        return producer().send(new ProducerRecord<>(topic(), null, producedAt, key.getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8)));
    }

    /** Produces without waiting; call {@link #flush()} to wait for every record sent so far. */
    public synchronized java.util.concurrent.Future<RecordMetadata> sendAsync(String key, String value) {
        return producer().send(new ProducerRecord<>(topic(), key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8)));
    }

    public void flush() {
        KafkaProducer<byte[], byte[]> p;
        synchronized (this) {
            p = producer();
        }
        p.flush();
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
                    ProducerConfig.LINGER_MS_CONFIG, 5,
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                    new ByteArraySerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    /** Creates this run's score-events topic and its DLQ (1 partition). */
    public void createTopics(int partitions) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic(), partitions, (short) 1), new NewTopic(dlqTopic(), 1, (short) 1)))
                    .all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not create the test topics on " + servers.kafkaBootstrap(), e);
        }
    }

    /** Deletes everything this run made: topics, the PostgreSQL schema and the Redis keys. */
    public void cleanUp() {
        close();
        try (Admin admin = admin()) {
            admin.deleteTopics(List.of(topic(), dlqTopic(), changelogTopic(), controlTopic())).topicNameValues()
                    .forEach((name, deleted) -> {
                        try {
                            deleted.get(30, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            // a test that did not start the service has no changelog or control topic
                        }
                    });
        } catch (Exception e) {
            System.out.printf("[standings-tests] could not delete topics of %s: %s%n", topic(), e);
        }
        try (var c = DriverManager.getConnection(servers.jdbcUrl(), servers.pgUser(), servers.pgPassword());
                var s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema() + " CASCADE");
        } catch (SQLException e) {
            System.out.printf("[standings-tests] could not drop schema %s: %s%n", schema(), e);
        }
        deleteRedisKeys(servers.redisUri(), redisPrefix());
    }

    /** What FLUSHALL means for one isolated run: every key under this run's prefix is deleted. */
    public void flushRedis() {
        deleteRedisKeys(servers.redisUri(), redisPrefix());
    }

    /** The first column of the first row of a query on this run's schema, as a long (a count, a sum). */
    public long queryLong(String sql) throws SQLException {
        try (java.sql.Connection c = jdbc(); java.sql.Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Runs one statement on this run's schema (a test's fault: a table renamed away, a row changed behind the service). */
    public void execute(String sql) throws SQLException {
        try (java.sql.Connection c = jdbc(); java.sql.Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** A JDBC connection to this run's schema (for reading what the reconciler wrote). */
    public java.sql.Connection jdbc() throws SQLException {
        return DriverManager.getConnection(servers.jdbcUrl() + "?currentSchema=" + schema(), servers.pgUser(),
                servers.pgPassword());
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers.kafkaBootstrap()));
    }

    /** Deletes every key under the prefix, so test classes never see each other's data. */
    static void deleteRedisKeys(String uri, String prefix) {
        try (RedisProbe redis = new RedisProbe(uri)) {
            redis.deleteAll(prefix);
        } catch (Exception e) {
            System.out.printf("[standings-tests] could not delete Redis keys %s*: %s%n", prefix, e);
        }
    }

    /** The environment that points a separately started service process at this run's servers and slice. */
    public Map<String, String> serviceEnvironment() {
        Map<String, String> env = new java.util.HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", servers.kafkaBootstrap());
        env.put("STANDINGS_TOPIC", topic());
        env.put("STANDINGS_CHANGELOG_TOPIC", changelogTopic());
        env.put("STANDINGS_CONTROL_TOPIC", controlTopic());
        env.put("STANDINGS_CONSUMER_GROUP", consumerGroup());
        env.put("REDIS_URL", servers.redisUri());
        env.put("REDIS_CLIENT_TYPE", servers.redisClientType());
        env.put("STANDINGS_REDIS_PREFIX", redisPrefix());
        env.put("PG_USER", servers.pgUser());
        env.put("PG_PASSWORD", servers.pgPassword());
        env.put("QUARKUS_DATASOURCE_JDBC_URL", servers.jdbcUrl() + "?currentSchema=" + schema());
        env.put("QUARKUS_DATASOURCE_REACTIVE_URL", servers.reactiveUrl() + "?search_path=" + schema());
        env.put("QUARKUS_FLYWAY_SCHEMAS", schema());
        env.put("QUARKUS_FLYWAY_DEFAULT_SCHEMA", schema());
        env.put("QUARKUS_FLYWAY_CREATE_SCHEMAS", "true");
        env.put("STANDINGS_ADMIN_API_KEY", ADMIN_KEY);
        return env;
    }

    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }
}
