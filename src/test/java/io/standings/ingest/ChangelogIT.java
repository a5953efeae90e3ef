package io.standings.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.standings.state.AppliedPositions;
import io.standings.state.BoardPeriods;
import io.standings.state.LiveBoards;
import io.standings.state.ScoreChange;
import io.standings.testing.RealServices;
import io.standings.testing.TestRun;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The changelog as another instance reads it (docs/api.md, "Changelog"), after a few hundred incr/set/remove/best
 * events over several entities, boards and all partitions, through real Kafka, Redis and PostgreSQL: every record
 * decodes and carries its position; positions never go down within a changelog partition, and a batch's states are
 * closed by a position record of the same position; the position records reach the offsets memory holds; a
 * state is in the changelog partition of its entity's events; and replaying the changelog — the last state of
 * each key, tombstones removing — gives exactly the boards in memory.
 */
@QuarkusTest
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class ChangelogIT {

    private static final String[] BOARDS = {"cl-incr", "cl-best"};

    TestRun run;

    @Inject
    LiveBoards live;

    @Inject
    AppliedPositions positions;

    @Test
    void replayingTheChangelogGivesMemoryAndEveryStateIsInItsEventsPartition() throws Exception {
        TestRun.putBoard("cl-incr", "{\"operator\":\"incr\"}");
        TestRun.putBoard("cl-best", "{\"order\":\"asc\",\"ties\":\"dense\",\"operator\":\"best\"}");
        Random random = new Random(20261204);
        // "board/entity" -> the partition its events went to; partition -> the last offset produced to it
        Map<String, Integer> partitionOfKey = new HashMap<>();
        Map<Integer, Long> lastOffset = new TreeMap<>();
        String[] ops = {"incr", "incr", "set", "best", "remove"};
        int events = 0;
        for (int round = 0; round < 8; round++) {
            // bursts (many records per poll batch) and single records (one per batch)
            boolean burst = round % 2 == 0;
            List<Map.Entry<String, Future<RecordMetadata>>> sent = new ArrayList<>();
            for (int i = 0; i < (burst ? 70 : 12); i++) {
                String board = BOARDS[random.nextInt(BOARDS.length)];
                String entity = "e" + random.nextInt(16) + (random.nextInt(8) == 0 ? " x@y" : "");
                String op = ops[random.nextInt(ops.length)];
                double value = switch (random.nextInt(4)) {
                    case 0 -> random.nextInt(100) - 50;
                    case 1 -> (random.nextInt(20_000) - 10_000) / 8.0;
                    case 2 -> random.nextDouble() * 1e12;
                    default -> -random.nextDouble();
                };
                String key = board + "/" + entity;
                String json = "{\"board\":\"" + board + "\",\"entity\":\"" + entity + "\",\"op\":\"" + op + "\""
                        + (op.equals("remove") ? "" : ",\"value\":" + value) + "}";
                if (burst) {
                    sent.add(Map.entry(key, run.sendAsync(key, json)));
                } else {
                    record(key, run.send(key, json), partitionOfKey, lastOffset);
                }
                events++;
            }
            run.flush();
            for (Map.Entry<String, Future<RecordMetadata>> s : sent) {
                record(s.getKey(), s.getValue().get(), partitionOfKey, lastOffset);
            }
        }
        assertThat(events).isGreaterThanOrEqualTo(300);
        assertThat(lastOffset).as("events on every partition").hasSize(3);

        await().atMost(Duration.ofSeconds(60)).until(() -> positions.holds(lastOffset));
        assertThat(positions.snapshot()).as("memory holds exactly the last offsets").isEqualTo(lastOffset);

        Map<Integer, List<ConsumerRecord<byte[], byte[]>>> changelog = readChangelog(lastOffset);

        Map<String, ScoreChange> replayed = new TreeMap<>();
        for (Map.Entry<Integer, List<ConsumerRecord<byte[], byte[]>>> p : changelog.entrySet()) {
            int partition = p.getKey();
            long previous = -1;
            Long open = null; // the position of states not yet closed by their position record
            for (ConsumerRecord<byte[], byte[]> r : p.getValue()) {
                Header header = r.headers().lastHeader(ChangelogRecords.POSITION_HEADER);
                assertThat(header).as("%s has the position header", where(r)).isNotNull();
                ChangelogRecords.Decoded d = ChangelogRecords.decode(r.key(), r.value(), r.headers());
                assertThat(d).as("%s decodes", where(r)).isNotNull();
                assertThat(d.position()).as("%s: positions never go down", where(r)).isGreaterThanOrEqualTo(previous);
                previous = d.position();
                if (d.isMarker()) {
                    assertThat(r.value()).hasSize(8);
                    assertThat(ByteBuffer.wrap(r.value()).getLong()).as("%s: the value is the position", where(r))
                            .isEqualTo(d.position());
                    assertThat(open == null || open == d.position()).as("%s closes the batch of its position", where(r)).isTrue();
                    open = null;
                } else {
                    assertThat(open == null || open == d.position()).as("%s: a batch's states share its position", where(r))
                            .isTrue();
                    open = d.position();
                    ScoreChange c = d.change();
                    String key = c.board() + "/" + c.entity();
                    assertThat(partitionOfKey).as("%s is the state of an entity events were sent for", where(r)).containsKey(key);
                    assertThat(r.partition()).as("%s: the state of %s is in the partition of its events", where(r), key)
                            .isEqualTo(partitionOfKey.get(key));
                    assertThat(d.position()).as("%s: no state beyond the events of its partition", where(r))
                            .isLessThanOrEqualTo(lastOffset.get(partition));
                    String stateKey = new String(r.key(), StandardCharsets.UTF_8);
                    if (c.removed()) {
                        replayed.remove(stateKey);
                    } else {
                        replayed.put(stateKey, c);
                    }
                }
            }
            assertThat(open).as("changelog partition %d: every batch closed by its position record", partition).isNull();
            assertThat(previous).as("changelog partition %d ends at the last offset of its events", partition)
                    .isEqualTo(lastOffset.getOrDefault(partition, -1L));
        }

        Map<String, ScoreChange> memory = memory();
        assertThat(memory).as("memory has entries on both boards").isNotEmpty();
        assertThat(memory.keySet().stream().map(k -> k.substring(0, k.indexOf('@'))).distinct()).containsExactlyInAnyOrder(BOARDS);
        assertThat(replayed).as("the changelog replayed is memory, key by key").isEqualTo(memory);
    }

    private static void record(String key, RecordMetadata m, Map<String, Integer> partitionOfKey, Map<Integer, Long> lastOffset) {
        Integer before = partitionOfKey.putIfAbsent(key, m.partition());
        assertThat(before == null || before == m.partition()).as("one partition per key").isTrue();
        lastOffset.merge(m.partition(), m.offset(), Math::max);
    }

    /** Every board period of the test's boards in memory, as "board@period/entity" -> its state. */
    private Map<String, ScoreChange> memory() {
        Map<String, ScoreChange> memory = new TreeMap<>();
        live.indexes().forEach((bp, index) -> {
            String board = BoardPeriods.boardOf(bp);
            if (List.of(BOARDS).contains(board)) {
                index.forEachInOrder((entity, score, reachedAt, ordinal, competition, dense) -> memory.put(bp + "/" + entity,
                        ScoreChange.upsert(board, BoardPeriods.periodOf(bp), entity, score, reachedAt)));
            }
        });
        return memory;
    }

    /**
     * The run's changelog from the beginning, as a replica reads it, until each partition's position records reach
     * the last offset of its events (or a minute passed).
     */
    private Map<Integer, List<ConsumerRecord<byte[], byte[]>>> readChangelog(Map<Integer, Long> lastOffset) {
        Map<Integer, List<ConsumerRecord<byte[], byte[]>>> records = new TreeMap<>();
        Map<Integer, Long> reached = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, run.servers().kafkaBootstrap(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(run.changelogTopic(), Duration.ofSeconds(30));
            assertThat(infos).as("the changelog has as many partitions as the score events").hasSize(3);
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && !reachedAll(reached, lastOffset)) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    records.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r);
                    ChangelogRecords.Decoded d = ChangelogRecords.decode(r.key(), r.value(), r.headers());
                    if (d != null && d.isMarker()) {
                        reached.merge(r.partition(), d.position(), Math::max);
                    }
                }
            }
            // A little more: records after the last expected position record would be read (and fail) too.
            consumer.poll(Duration.ofMillis(500)).forEach(r -> records.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r));
        }
        assertThat(reached).as("the position records reach the offsets memory holds").isEqualTo(lastOffset);
        return records;
    }

    private static boolean reachedAll(Map<Integer, Long> reached, Map<Integer, Long> lastOffset) {
        return lastOffset.entrySet().stream().allMatch(e -> reached.getOrDefault(e.getKey(), -1L) >= e.getValue());
    }

    private static String where(ConsumerRecord<byte[], byte[]> r) {
        return r.topic() + "-" + r.partition() + "@" + r.offset() + " (" + (r.key() == null ? "no key"
                : new String(r.key(), StandardCharsets.UTF_8)) + ")";
    }
}
