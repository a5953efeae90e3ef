package io.standings.lifecycle;

import io.standings.state.BoardPeriods;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.standings.core.index.Order;
import io.standings.store.redis.RedisKeys;
import io.standings.testing.IncrementStream;
import io.standings.testing.LiveStateAssertions;
import io.standings.testing.RedisProbe;
import io.standings.testing.ReferenceBoard;
import io.standings.testing.ServerLocator;
import io.standings.testing.ServiceProcess;
import io.standings.testing.TestRun;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Invariant 3 across a restore that does not finish. The service restores an empty Redis from the PostgreSQL
 * checkpoint at start-up (wipe, board periods, offsets, marker last); killed in the middle, it leaves scores
 * without the offsets they reflect and no marker. The next start must restore from the checkpoint again and
 * replay Kafka from it, not take those scores for the truth and replay everything onto them: with {@code incr}
 * events every score would then count twice.
 */
class RestoreKilledHalfWayProcessIT {

    private static final long BASE = Instant.parse("2026-11-21T10:00:00Z").toEpochMilli();

    private TestRun run;
    private ServiceProcess service;
    /** Big batches: 200k records go out in seconds, not the default 16 KiB batches' tens of seconds. */
    private KafkaProducer<byte[], byte[]> producer;
    private int records;
    private int sequence;

    @BeforeEach
    void start() {
        run = TestRun.create(ServerLocator.servers());
        run.createTopics(3);
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, run.servers().kafkaBootstrap(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.BATCH_SIZE_CONFIG, 1 << 20,
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BUFFER_MEMORY_CONFIG, 128L << 20),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    private Map<String, String> environment(String board) {
        Map<String, String> env = run.serviceEnvironment();
        env.put("STANDINGS_BOARDS_SEED", board + ":desc:ordinal:incr");
        env.put("STANDINGS_RECONCILE_INTERVAL", "1s");
        // A killed instance leaves the group after 6 s, not 45: the next start is assigned its partitions sooner.
        env.put("STANDINGS_KAFKA_SESSION_TIMEOUT_MS", "6000");
        env.put("STANDINGS_KAFKA_HEARTBEAT_INTERVAL_MS", "1000");
        return env;
    }

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        if (run != null) {
            run.cleanUp();
        }
    }

    @Test
    void aRestoreKilledHalfWayIsRedoneOnTheNextStartAndNothingIsCountedTwice() throws Exception {
        String board = "big";
        int entities = 200_000;
        service = new ServiceProcess("restore-killed", environment(board)).start(Duration.ofSeconds(90));
        ReferenceBoard reference = new ReferenceBoard(Order.DESC);
        long seed = System.nanoTime();
        System.out.println("[restore-killed-test] seed " + seed);
        Random random = new Random(seed);
        for (int i = 0; i < entities; i++) {
            incr(reference, board, "e" + i, 1 + random.nextInt(9));
        }
        for (int i = 0; i < 5_000; i++) {
            incr(reference, board, "e" + IncrementStream.zipf(random, entities), 1 + random.nextInt(5));
        }
        producer.flush();
        mark("produced");
        awaitCheckpoint(records, Duration.ofSeconds(120));
        mark("checkpointed");
        service.close();

        // Events the checkpoint does not hold, produced while the service is down: the restart replays them.
        for (int i = 0; i < 3_000; i++) {
            incr(reference, board, "e" + IncrementStream.zipf(random, entities), 1 + random.nextInt(5));
        }
        producer.flush();
        run.flushRedis();

        RedisKeys keys = new RedisKeys(run.redisPrefix());
        String ranks = keys.ranks(board, "all");
        service.launch();
        long written;
        try (RedisProbe redis = new RedisProbe(run.servers().redisUri())) {
            long[] seen = new long[1];
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(5)).until(() -> {
                long card = redis.send(Request.cmd(Command.ZCARD).arg(ranks)).toLong();
                seen[0] = card;
                return card > 0 && card < entities
                        && redis.send(Request.cmd(Command.EXISTS).arg(keys.marker())).toInteger() == 0;
            });
            service.kill9();
            written = redis.send(Request.cmd(Command.ZCARD).arg(ranks)).toLong();
            assertThat(written).as("entries the killed restore wrote").isBetween(1L, (long) entities - 1);
            assertThat(redis.send(Request.cmd(Command.EXISTS).arg(keys.marker())).toInteger()).as("marker").isZero();
            assertThat(redis.hgetall(keys.offsets())).as("offsets after the killed restore").isEmpty();
        }
        System.out.printf("[restore-killed-test] killed the restore after %d of %d entries%n", written, entities);

        service.start(Duration.ofSeconds(120));
        mark("restarted");
        LiveStateAssertions.assertRedisEquals(run, board, reference, records, Duration.ofSeconds(120));
        mark("redis checked");
        LiveStateAssertions.assertServiceRanksEqual(service, board, reference);
        mark("rest checked");
        awaitCheckpoint(records, Duration.ofSeconds(120));
        mark("checkpointed");
        LiveStateAssertions.assertPostgresScoresEqual(run, board, "all", reference);
        mark("postgres checked");
        System.out.printf("[restore-killed-test] %d records, %d entities: exact%n", records, reference.size());
    }

    @Test
    void redisLeftAsAKilledRestoreLeavesItIsRestoredFromTheCheckpointNotReplayedOnto() throws Exception {
        String board = "halfway";
        service = new ServiceProcess("restore-left", environment(board)).start(Duration.ofSeconds(90));
        ReferenceBoard reference = new ReferenceBoard(Order.DESC);
        long seed = System.nanoTime();
        System.out.println("[restore-left-test] seed " + seed);
        Random random = new Random(seed);
        for (int i = 0; i < 3_000; i++) {
            incr(reference, board, "e" + IncrementStream.zipf(random, 300), 1 + random.nextInt(5));
        }
        producer.flush();
        awaitCheckpoint(records, Duration.ofSeconds(60));
        service.close();
        for (int i = 0; i < 500; i++) {
            incr(reference, board, "e" + IncrementStream.zipf(random, 300), 1 + random.nextInt(5));
        }
        producer.flush();

        // What a restore killed after the board periods leaves: the scores, no offsets, no marker.
        RedisKeys keys = new RedisKeys(run.redisPrefix());
        try (RedisProbe redis = new RedisProbe(run.servers().redisUri())) {
            redis.send(Request.cmd(Command.DEL).arg(keys.offsets()).arg(keys.marker()));
            assertThat(redis.zrange(keys.ranks(board, "all"))).as("scores left in Redis").isNotEmpty();
            assertThat(redis.smembers(keys.periods())).contains(BoardPeriods.boardPeriod(board, "all"));
        }

        service.start(Duration.ofSeconds(90));
        LiveStateAssertions.assertRedisEquals(run, board, reference, records, Duration.ofSeconds(60));
        LiveStateAssertions.assertServiceRanksEqual(service, board, reference);
        awaitCheckpoint(records, Duration.ofSeconds(60));
        LiveStateAssertions.assertPostgresScoresEqual(run, board, "all", reference);
        System.out.printf("[restore-left-test] %d records, %d entities: exact%n", records, reference.size());
    }

    private long last = System.nanoTime();

    private void mark(String what) {
        long now = System.nanoTime();
        System.out.printf("[restore-killed-test] %s (+%d ms)%n", what, (now - last) / 1_000_000);
        last = now;
    }

    private void incr(ReferenceBoard reference, String board, String entity, int value) {
        long ts = BASE + sequence++;
        reference.incr(entity, value, ts);
        producer.send(new ProducerRecord<>(run.topic(), (board + "/" + entity).getBytes(StandardCharsets.UTF_8),
                ("{\"board\":\"" + board + "\",\"entity\":\"" + entity + "\",\"op\":\"incr\",\"value\":" + value
                        + ",\"ts\":\"" + Instant.ofEpochMilli(ts) + "\"}").getBytes(StandardCharsets.UTF_8)));
        records++;
    }

    /** Waits until the PostgreSQL checkpoint's offsets cover {@code records} records. */
    private void awaitCheckpoint(int records, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(250)).until(() -> {
            try (Connection c = run.jdbc(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT coalesce(sum(\"offset\" + 1), 0) FROM ingest_checkpoint")) {
                rs.next();
                return rs.getLong(1) == records;
            } catch (java.sql.SQLException e) {
                return false; // the schema is not migrated yet
            }
        });
    }
}
