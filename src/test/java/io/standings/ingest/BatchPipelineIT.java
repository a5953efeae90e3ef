package io.standings.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.standings.core.board.Board;
import io.standings.core.board.Board.TiePolicy;
import io.standings.core.board.Operation;
import io.standings.core.board.Period;
import io.standings.core.board.PeriodRules;
import io.standings.core.index.Order;
import io.standings.state.BoardPeriods;
import io.standings.state.AppliedPositions;
import io.standings.state.BoardRegistry;
import io.standings.state.Erasures;
import io.standings.state.LiveBoards;
import io.standings.state.Quarantine;
import io.standings.state.SnapshotGate;
import io.standings.store.redis.RedisBatches;
import io.standings.store.redis.RedisKeys;
import io.standings.store.redis.RedisReads;
import io.standings.testing.RedisProbe;
import io.standings.testing.ServerLocator;
import io.vertx.core.Context;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import jakarta.enterprise.inject.Instance;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link BatchPipeline} without a broker and without Quarkus: built by hand over the real stores (Redis through
 * {@link RedisBatches} and {@link RedisReads} on a Vert.x Redis client, under a key prefix of this class, deleted
 * after each test) and fed {@link ConsumerRecords} built here, delivered on a Vert.x context as SmallRye delivers
 * them (the next batch once the previous batch's Uni completed, which is when its script is on its way). What is not
 * a store is played by small implementations here: the {@link StateKeeper}, the dead-letter topic (a recording
 * emitter behind the real {@link DeadLetterPublisher}), the partition assignment (Kafka's {@link MockConsumer},
 * {@link MockKafkaChannels}), and the metrics ({@link SimpleMeterRegistry}). Auto-creation of boards is off, as by
 * default, so the pipeline never stores a board and needs no PostgreSQL.
 *
 * <p>Every outcome is compared with a naive reference computed here (per board and entity: the sum, the best or
 * the last value, and the time it was reached), read back from memory ({@link LiveBoards}, in rank order) and from
 * Redis with plain commands as another reader would (ZRANGE WITHSCORES, HGETALL of the members and the offsets,
 * docs/redis-layout.md).
 */
class BatchPipelineIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String TOPIC = "scores";
    private static final int PARTITIONS = 3;
    private static final String CLASS_PREFIX = "it:pipeline:" + UUID.randomUUID().toString().replace("-", "").substring(0, 10)
            + ":";
    private static final AtomicInteger TESTS = new AtomicInteger();
    /** Record timestamps: an hour ago and counting up by one per record, so every event has its own time. */
    private static final long START = System.currentTimeMillis() - 3_600_000L;

    private static final Board ARENA = Board.simple("arena", Order.DESC, TiePolicy.ORDINAL, Operation.INCR);
    private static final Board PEAK = Board.simple("peak", Order.DESC, TiePolicy.COMPETITION, Operation.BEST);
    private static final Board SPRINT = Board.simple("sprint", Order.ASC, TiePolicy.DENSE, Operation.BEST);
    private static final Board DAILY = new Board("daily", Order.DESC, TiePolicy.ORDINAL, Operation.INCR, Period.DAILY,
            ZoneId.of("UTC"), null);

    private static Vertx vertx;
    private static Redis redis;
    private static RedisProbe probe;

    private String prefix;
    private RedisKeys keys;
    private Quarantine quarantine;
    private LiveBoards live;
    private BoardRegistry boards;
    private HeldReplies batches;
    private RedisReads reads;
    private SimpleMeterRegistry registry;
    private PartitionTracker tracker;
    private RecordingEmitter deadLetterTopic;
    private Keeper keeper;
    private SnapshotGate gate;
    private BatchPipeline pipeline;
    private Context context;
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");

    private final Map<Integer, Long> nextOffset = new HashMap<>();
    private long clock = START;
    private int eventIds;
    private Reference reference;

    @BeforeAll
    static void connect() {
        vertx = Vertx.vertx();
        redis = Redis.createClient(vertx, ServerLocator.servers().redisOptions());
        probe = new RedisProbe(ServerLocator.servers().redisUri());
    }

    @AfterAll
    static void close() {
        if (probe != null) {
            deleteKeys(CLASS_PREFIX);
            probe.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (vertx != null) {
            vertx.closeAndAwait();
        }
    }

    /** What the pipeline published to the changelog, in order (this test runs without a broker). */
    private final List<PartitionStates> published = new CopyOnWriteArrayList<>();
    private final Changelog changelog = batch -> {
        published.addAll(batch);
        return Uni.createFrom().voidItem();
    };

    @BeforeEach
    void buildThePipeline() {
        published.clear();
        prefix = CLASS_PREFIX + TESTS.incrementAndGet() + ":";
        keys = new RedisKeys(prefix);
        quarantine = new Quarantine();
        live = new LiveBoards(quarantine, noListeners());
        boards = new BoardRegistry(false, "desc", "ordinal", "set", 1000);
        for (Board b : List.of(ARENA, PEAK, SPRINT, DAILY)) {
            boards.put(b);
        }
        reference = new Reference(List.of(ARENA, PEAK, SPRINT));
        batches = new HeldReplies(redis, keys, quarantine);
        reads = new RedisReads(redis, keys);
        registry = new SimpleMeterRegistry();
        tracker = new PartitionTracker(reads, new MockKafkaChannels(() -> consumer), registry, new AppliedPositions());
        Map<TopicPartition, Long> logStarts = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            logStarts.put(new TopicPartition(TOPIC, p), 0L);
        }
        MockKafkaChannels.assign(consumer, tracker, logStarts);
        deadLetterTopic = new RecordingEmitter();
        keeper = new Keeper();
        gate = new SnapshotGate();
        pipeline = new BatchPipeline(boards, live, batches, new DeadLetterPublisher(deadLetterTopic, registry), tracker, keeper,
                registry, 16384, gate, new PeriodRules(Duration.ofMinutes(5), Duration.ofDays(7)), Duration.ofMinutes(5), 100,
                10_000_000L, new Erasures(), null, changelog, Optional.empty(), Optional.empty());
        context = vertx.getDelegate().getOrCreateContext();
    }

    @AfterEach
    void deleteThisTestsKeys() {
        deleteKeys(prefix);
    }

    private static void deleteKeys(String prefix) {
        probe.deleteAll(prefix);
    }

    @SuppressWarnings("unchecked")
    private static Instance<LiveBoards.ChangeListener> noListeners() {
        return (Instance<LiveBoards.ChangeListener>) Proxy.newProxyInstance(BatchPipelineIT.class.getClassLoader(),
                new Class<?>[] {Instance.class}, (proxy, method, args) -> {
                    if (method.getName().equals("stream")) {
                        return Stream.empty();
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    // ---------------------------------------------------------------------------------------------
    // the boundary collaborators

    /**
     * The real {@link RedisBatches}; while the test holds the replies, a script runs in Redis but its reply reaches
     * the pipeline only when the test releases it: the batch's Redis write stays in flight as long as the test wants.
     */
    private static final class HeldReplies extends RedisBatches {
        private volatile CompletableFuture<Void> hold = CompletableFuture.completedFuture(null);
        /** Scripts sent to Redis. */
        final AtomicInteger scripts = new AtomicInteger();

        HeldReplies(Redis redis, RedisKeys keys, Quarantine quarantine) {
            super(redis, keys, quarantine);
        }

        void holdReplies() {
            hold = new CompletableFuture<>();
        }

        /** Lets the held replies through, on the pipeline's context as a Redis reply would arrive. */
        void release(Context on) {
            CompletableFuture<Void> held = hold;
            hold = CompletableFuture.completedFuture(null);
            on.runOnContext(v -> held.complete(null));
        }

        @Override
        public Uni<ApplyResult> apply(BatchWrite write) {
            CompletableFuture<Void> held = hold;
            if (!write.slots().isEmpty()) {
                scripts.incrementAndGet(); // a batch with nothing to write sends no script
            }
            return super.apply(write).call(() -> Uni.createFrom().completionStage(held));
        }
    }

    /** A dead letter as the topic received it. */
    private record Letter(String key, String value, String reason, String topic, int partition, long offset, String eventId) {
    }

    /** The dead-letter topic: takes every letter at once and records it. */
    private static final class RecordingEmitter implements MutinyEmitter<byte[]> {
        final List<Letter> letters = new CopyOnWriteArrayList<>();
        final List<String> causes = new CopyOnWriteArrayList<>();

        @Override
        @SuppressWarnings("unchecked")
        public <M extends Message<? extends byte[]>> Uni<Void> sendMessage(M message) {
            OutgoingKafkaRecordMetadata<byte[]> metadata = message.getMetadata(OutgoingKafkaRecordMetadata.class).orElseThrow();
            Map<String, String> headers = new HashMap<>();
            for (Header h : metadata.getHeaders()) {
                headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
            }
            letters.add(new Letter(text(metadata.getKey()), text(message.getPayload()),
                    headers.get(DeadLetterPublisher.REASON), headers.get(DeadLetterPublisher.TOPIC),
                    Integer.parseInt(headers.get(DeadLetterPublisher.PARTITION)),
                    Long.parseLong(headers.get(DeadLetterPublisher.OFFSET)), headers.get(DeadLetterPublisher.EVENT_ID)));
            causes.add(headers.get(DeadLetterPublisher.DETAIL));
            return Uni.createFrom().voidItem();
        }

        @Override
        public Uni<Void> send(byte[] payload) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void sendAndAwait(byte[] payload) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Cancellable sendAndForget(byte[] payload) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <M extends Message<? extends byte[]>> void send(M message) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <M extends Message<? extends byte[]>> void sendMessageAndAwait(M message) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <M extends Message<? extends byte[]>> Cancellable sendMessageAndForget(M message) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void complete() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void error(Exception e) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public boolean hasRequests() {
            return true;
        }
    }

    private record Fence(boolean lostState, String why, Map<String, Object> redisAtFence) {
    }

    /**
     * The lifecycle's part, test-sized: start-up is done, every batch starts from a sound state, and a fence is
     * recorded (with what Redis held at that moment) and mended as the service mends it. Redis ahead (another
     * consumer wrote the partition): re-sync with Redis, whose offsets become the known ones (the other writer
     * moved only the offsets here, so memory already holds Redis's scores). Redis lost state: restored from a
     * checkpoint that equals memory, i.e. the offsets memory reflects are written back.
     */
    private final class Keeper implements StateKeeper {
        final List<Fence> fences = new CopyOnWriteArrayList<>();

        @Override
        public Uni<Void> ready() {
            return Uni.createFrom().voidItem();
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public Uni<Boolean> beforeBatch() {
            return Uni.createFrom().item(false);
        }

        @Override
        public Uni<Void> afterFence(boolean lostState, String why) {
            fences.add(new Fence(lostState, why, dump()));
            if (!lostState) {
                return reads.storedOffsets(List.of()).invoke(stored -> {
                    tracker.rebuilt(stored.floor());
                    tracker.slotsRead(stored.byPeriod());
                }).replaceWithVoid();
            }
            io.vertx.mutiny.redis.client.Request restore = io.vertx.mutiny.redis.client.Request
                    .cmd(io.vertx.mutiny.redis.client.Command.HSET).arg(keys.offsets());
            tracker.knownOffsets().forEach((field, offset) -> restore.arg(field).arg(Long.toString(offset)));
            Uni<Void> chain = redis.send(restore).replaceWithVoid();
            for (String bp : tracker.slotOffsets().periods()) {
                io.vertx.mutiny.redis.client.Request slot = io.vertx.mutiny.redis.client.Request
                        .cmd(io.vertx.mutiny.redis.client.Command.HSET).arg(keys.periodOffsets(bp));
                tracker.knownOffsets().keySet().forEach(field -> {
                    Long held = tracker.slotOffsets().get(bp, field);
                    if (held != null) {
                        slot.arg(field).arg(Long.toString(held));
                    }
                });
                chain = chain.chain(() -> redis.send(slot)).replaceWithVoid();
            }
            return chain;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // the records

    /** A record as delivered, with the event the reference takes from it (null when it must be dead-lettered). */
    private record Sent(ConsumerRecord<byte[], byte[]> record, Event event, String reason) {
        long timestamp() {
            return record.timestamp();
        }

        String field() {
            return BoardPeriods.partition(record.topic(), record.partition());
        }
    }

    private record Event(String board, String entity, Operation op, double value) {
    }

    private static int partitionOf(String board, String entity) {
        return Math.floorMod((board + "/" + entity).hashCode(), PARTITIONS);
    }

    private ConsumerRecord<byte[], byte[]> record(int partition, String key, LongFunction<String> valueAt) {
        long offset = nextOffset.merge(partition, 1L, Long::sum) - 1;
        long timestamp = ++clock;
        String value = valueAt.apply(timestamp);
        return new ConsumerRecord<>(TOPIC, partition, offset, timestamp, TimestampType.CREATE_TIME, -1, -1,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8), new RecordHeaders(), Optional.empty());
    }

    /** A valid event, keyed {@code board/entity}, in the JSON of docs/api.md; {@code op} null: the board's operator. */
    private Sent event(String board, String entity, String op, double value) {
        String id = "ev-" + ++eventIds;
        String json = "{\"id\":\"" + id + "\",\"board\":\"" + board + "\",\"entity\":\"" + entity + "\""
                + (op == null ? "" : ",\"op\":\"" + op + "\"") + ",\"value\":" + number(value) + "}";
        ConsumerRecord<byte[], byte[]> r = record(partitionOf(board, entity), board + "/" + entity, ts -> json);
        return new Sent(r, new Event(board, entity, op == null ? null : Operation.valueOf(op.toUpperCase()), value), null);
    }

    /** A record that must be dead-lettered with {@code reason}. */
    private Sent bad(int partition, String key, String reason, LongFunction<String> valueAt) {
        return new Sent(record(partition, key, valueAt), null, reason);
    }

    private Sent bad(String board, String entity, String reason, String json) {
        return bad(partitionOf(board, entity), board + "/" + entity, reason, ts -> json);
    }

    private static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }

    private static ConsumerRecords<byte[], byte[]> batch(List<Sent> sent) {
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> byPartition = new LinkedHashMap<>();
        for (Sent s : sent) {
            byPartition.computeIfAbsent(new TopicPartition(s.record.topic(), s.record.partition()), tp -> new ArrayList<>())
                    .add(s.record);
        }
        return new ConsumerRecords<>(byPartition, Map.of());
    }

    /** The last offset of every partition a record was made for. */
    private Map<String, Long> lastOffsets() {
        Map<String, Long> last = new TreeMap<>();
        nextOffset.forEach((p, next) -> last.put(BoardPeriods.partition(TOPIC, p), next - 1));
        return last;
    }

    // ---------------------------------------------------------------------------------------------
    // delivery, as SmallRye delivers a channel's batches

    private record Delivery(CompletableFuture<Void> called, CompletableFuture<Void> sent) {
    }

    /** Hands a batch to the pipeline on its Vert.x context; {@code sent} completes with the Uni consume returned. */
    private Delivery deliver(List<Sent> sent) {
        ConsumerRecords<byte[], byte[]> records = batch(sent);
        Delivery d = new Delivery(new CompletableFuture<>(), new CompletableFuture<>());
        context.runOnContext(v -> {
            Uni<Void> consumed;
            try {
                consumed = pipeline.consume(records);
            } catch (RuntimeException e) {
                d.called.completeExceptionally(e);
                d.sent.completeExceptionally(e);
                return;
            }
            d.called.complete(null);
            consumed.subscribe().with(ok -> d.sent.complete(null), d.sent::completeExceptionally);
        });
        return d;
    }

    /** Delivers each batch once the previous batch's Uni completed, then waits for the last to be over. */
    private void stream(List<List<Sent>> stream) throws Exception {
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (List<Sent> b : stream) {
            chain = chain.thenCompose(v -> deliver(b).sent());
        }
        chain.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        settle();
    }

    @SafeVarargs
    private void stream(List<Sent>... batches) throws Exception {
        stream(List.of(batches));
    }

    /**
     * Waits until every batch delivered so far is over. A delivered batch's Uni completes while the batch holds the
     * gate (its script sent) or once it is over, so the gate comes to this caller only after the batch released it.
     */
    private void settle() {
        gate.run(() -> Uni.createFrom().voidItem()).await().atMost(WAIT);
        assertThat(pipeline.failure()).as("the ingest stopped").isNull();
    }

    private void take(List<Sent> sent) {
        for (Sent s : sent) {
            if (s.event != null) {
                reference.take(s.event, s.timestamp());
            }
        }
    }

    private double counter(String name, String... tags) {
        return registry.get(name).tags(tags).counter().count();
    }

    private double preparedAhead(String outcome) {
        return counter("standings.ingest.prepared.ahead", "outcome", outcome);
    }

    // ---------------------------------------------------------------------------------------------
    // the naive reference and the comparison with memory and Redis

    private record Ranked(String entity, double score, long reachedAt) {
    }

    /** Per board and entity: the score its events make, one after the other, and when it was reached. */
    private static final class Reference {
        final Map<String, Board> boards = new LinkedHashMap<>();
        final Map<String, Map<String, Ranked>> entries = new HashMap<>();

        Reference(List<Board> boards) {
            boards.forEach(b -> this.boards.put(b.id(), b));
        }

        void take(Event e, long timestamp) {
            Board board = boards.get(e.board());
            Map<String, Ranked> entities = entries.computeIfAbsent(e.board(), b -> new HashMap<>());
            Ranked now = entities.get(e.entity());
            Operation op = e.op() != null ? e.op() : board.operator();
            double next;
            switch (op) {
                case REMOVE -> {
                    entities.remove(e.entity());
                    return;
                }
                case SET -> next = e.value();
                case INCR -> next = (now == null ? 0 : now.score()) + e.value();
                case BEST -> {
                    boolean better = now == null || (board.order() == Order.DESC ? e.value() > now.score() : e.value() < now.score());
                    next = better ? e.value() : now.score();
                }
                default -> throw new IllegalStateException(op.name());
            }
            if (now == null || next != now.score()) {
                entities.put(e.entity(), new Ranked(e.entity(), next == 0 ? 0.0 : next, timestamp));
            }
        }

        /** Score in the board's order, then who reached it first, then entity id by code point. */
        List<Ranked> ranking(String board) {
            Order order = boards.get(board).order();
            return entries.getOrDefault(board, Map.of()).values().stream().sorted((x, y) -> {
                int c = order == Order.DESC ? Double.compare(y.score(), x.score()) : Double.compare(x.score(), y.score());
                if (c == 0) {
                    c = Long.compare(x.reachedAt(), y.reachedAt());
                }
                return c != 0 ? c : Arrays.compare(x.entity().codePoints().toArray(), y.entity().codePoints().toArray());
            }).toList();
        }
    }

    private static String member(long reachedAt, String entity) {
        return String.format("%016x", reachedAt ^ 0x8000000000000000L) + entity;
    }

    /**
     * Memory, Redis and the offsets are exactly the reference: every board's index in rank order, its sorted set
     * (members and rank scores, in order) and members hash, and the offsets hash, the tracker and asOf at
     * {@code offsets}.
     */
    private void assertMatchesReference(Map<String, Long> offsets) {
        for (Board board : reference.boards.values()) {
            String bp = BoardPeriods.boardPeriod(board.id(), Period.ALL_TIME);
            List<Ranked> expected = reference.ranking(board.id());

            List<Ranked> inMemory = new ArrayList<>();
            live.index(board.id(), Period.ALL_TIME).ifPresent(index -> index.forEachInOrder(
                    (entity, score, reachedAt, ordinal, competition, dense) -> inMemory.add(new Ranked(entity, score + 0.0, reachedAt))));
            assertThat(inMemory).as("memory of %s", bp).containsExactlyElementsOf(expected);

            List<RedisProbe.Member> inRedis = probe.zrange(keys.ranks(bp)).stream()
                    .map(m -> new RedisProbe.Member(m.member(), m.score() + 0.0)).toList();
            assertThat(inRedis).as("ZRANGE %s WITHSCORES", keys.ranks(bp)).containsExactlyElementsOf(expected.stream()
                    .map(r -> new RedisProbe.Member(member(r.reachedAt(), r.entity()),
                            board.order() == Order.DESC ? -r.score() + 0.0 : r.score()))
                    .toList());
            assertThat(probe.hgetall(keys.members(bp))).as("HGETALL %s", keys.members(bp)).isEqualTo(expected.stream()
                    .collect(Collectors.toMap(Ranked::entity, r -> member(r.reachedAt(), r.entity()))));
        }
        Map<String, String> storedOffsets = new TreeMap<>();
        offsets.forEach((field, offset) -> storedOffsets.put(field, Long.toString(offset)));
        assertThat(probe.hgetall(keys.offsets())).as("HGETALL %s", keys.offsets()).isEqualTo(storedOffsets);
        assertThat(tracker.knownOffsets()).isEqualTo(offsets);
        assertThat(live.asOf()).isEqualTo(offsets.values().stream().mapToLong(o -> o + 1).sum());
    }

    /** Everything under this test's prefix, each key's content as text: to prove that nothing changed. */
    private Map<String, Object> dump() {
        return probe.dump(prefix);
    }

    /** Each index's version: any write to an index moves it. */
    private Map<String, Long> indexVersions() {
        Map<String, Long> versions = new TreeMap<>();
        live.indexes().forEach((bp, index) -> versions.put(bp, index.version()));
        return versions;
    }

    // ---------------------------------------------------------------------------------------------

    /** Events over three boards (incr, best desc, best asc), a dozen entities each, every op now and then. */
    private List<Sent> randomEvents(Random random, int count) {
        List<Sent> events = new ArrayList<>();
        String[] ops = {"set", "incr", "best"};
        for (int i = 0; i < count; i++) {
            String board = List.of("arena", "peak", "sprint").get(random.nextInt(3));
            String entity = "e" + random.nextInt(12);
            int dice = random.nextInt(40);
            String op = dice == 0 ? "remove" : dice < 4 ? ops[random.nextInt(ops.length)] : null;
            events.add(event(board, entity, op, random.nextInt(201) - 50));
        }
        return events;
    }

    private static List<List<Sent>> cut(List<Sent> events, Random random, int maxBatch) {
        List<List<Sent>> batches = new ArrayList<>();
        for (int i = 0; i < events.size();) {
            int size = Math.min(events.size() - i, 1 + random.nextInt(maxBatch));
            batches.add(events.subList(i, i + size));
            i += size;
        }
        return batches;
    }

    @Test
    void aStreamOfBatchesEndsWithEveryScoreAndOffsetInMemoryAndRedisEqualToTheReference() throws Exception {
        Random random = new Random(7);
        List<Sent> events = randomEvents(random, 2_000);
        List<List<Sent>> stream = cut(events, random, 120);

        stream(stream);
        take(events);

        assertMatchesReference(lastOffsets());
        assertThat(lastOffsets()).hasSize(PARTITIONS);
        assertThat(deadLetterTopic.letters).isEmpty();
        assertThat(counter("standings.events.applied")).isEqualTo(events.size());
        assertThat(counter("standings.events.duplicates")).isZero();
        assertThat(batches.scripts.get()).isEqualTo(stream.size());
    }

    @Test
    void aRedeliveredBatchChangesNothingAndCountsItsRecordsAsDuplicates() throws Exception {
        Random random = new Random(11);
        List<Sent> first = randomEvents(random, 150);
        List<Sent> second = randomEvents(random, 150);
        stream(first, second);
        take(first);
        take(second);
        Map<String, Long> offsets = lastOffsets();
        Map<String, Object> redisBefore = dump();
        Map<String, Long> versionsBefore = indexVersions();
        int scriptsBefore = batches.scripts.get();

        stream(second);

        assertThat(dump()).as("Redis").isEqualTo(redisBefore);
        assertThat(indexVersions()).as("memory").isEqualTo(versionsBefore);
        assertMatchesReference(offsets);
        assertThat(counter("standings.events.duplicates")).isEqualTo(second.size());
        assertThat(counter("standings.events.applied")).isEqualTo(first.size() + second.size());
        assertThat(batches.scripts.get()).as("nothing new: no script").isEqualTo(scriptsBefore);

        // a redelivery that reaches past what was applied: only its new records count
        List<Sent> third = randomEvents(random, 60);
        List<Sent> overlapping = new ArrayList<>(second.subList(second.size() - 20, second.size()));
        overlapping.addAll(third);
        stream(overlapping);
        take(third);

        assertMatchesReference(lastOffsets());
        assertThat(counter("standings.events.duplicates")).isEqualTo(second.size() + 20);
        assertThat(counter("standings.events.applied")).isEqualTo(first.size() + second.size() + third.size());
        assertThat(deadLetterTopic.letters).isEmpty();
    }

    @Test
    void invalidRecordsBecomeDeadLettersWithTheirReasonAndTheValidRecordsOfTheirBatchAreApplied() throws Exception {
        List<Sent> mixed = new ArrayList<>();
        mixed.add(event("arena", "e1", null, 10));
        mixed.add(bad("arena", "e1", "malformed_json", "{\"board\":\"arena\",\"entity\":\"e1\",\"value\":1} trailing"));
        mixed.add(bad("arena", "e1", "malformed_json", "{not json"));
        mixed.add(bad("arena", "e1", "not_an_object", "[1,2,3]"));
        mixed.add(bad("arena", "e1", "missing_field", "{\"board\":\"arena\",\"entity\":\"e1\"}"));
        mixed.add(bad("arena", "e1", "wrong_type", "{\"board\":\"arena\",\"entity\":\"e1\",\"value\":\"12\"}"));
        mixed.add(bad("Arena", "e1", "invalid_board", "{\"board\":\"Arena\",\"entity\":\"e1\",\"value\":1}"));
        mixed.add(bad("arena", "", "invalid_entity", "{\"board\":\"arena\",\"entity\":\"\",\"value\":1}"));
        mixed.add(bad("arena", "e1", "invalid_op", "{\"board\":\"arena\",\"entity\":\"e1\",\"op\":\"double\",\"value\":1}"));
        mixed.add(bad("arena", "e1", "invalid_value", "{\"board\":\"arena\",\"entity\":\"e1\",\"value\":9007199254740993}"));
        mixed.add(bad("arena", "e1", "invalid_ts", "{\"board\":\"arena\",\"entity\":\"e1\",\"value\":1,\"ts\":\"yesterday\"}"));
        mixed.add(bad("arena", "e1", "ts_out_of_range",
                "{\"board\":\"arena\",\"entity\":\"e1\",\"value\":1,\"ts\":\"0001-01-01T00:00:00Z\"}"));
        mixed.add(bad(partitionOf("arena", "e1"), "arena/e1", "ts_in_future", ts -> "{\"id\":\"future\",\"board\":\"arena\","
                + "\"entity\":\"e1\",\"value\":1,\"ts\":\"" + Instant.ofEpochMilli(ts).plus(Duration.ofDays(1)) + "\"}"));
        mixed.add(bad("arena", "e1", "too_large",
                "{\"board\":\"arena\",\"entity\":\"e1\",\"value\":1,\"pad\":\"" + "x".repeat(17_000) + "\"}"));
        mixed.add(bad(partitionOf("arena", "e1"), null, "missing_key", ts -> "{\"board\":\"arena\",\"entity\":\"e1\",\"value\":1}"));
        mixed.add(bad(partitionOf("arena", "e1"), "arena/e2", "key_mismatch",
                ts -> "{\"id\":\"mismatch\",\"board\":\"arena\",\"entity\":\"e1\",\"value\":1}"));
        mixed.add(bad("nowhere", "e1", "unknown_board", "{\"board\":\"nowhere\",\"entity\":\"e1\",\"value\":1}"));
        mixed.add(bad(partitionOf("daily", "e1"), "daily/e1", "period_closed", ts -> "{\"board\":\"daily\",\"entity\":\"e1\","
                + "\"value\":1,\"ts\":\"" + Instant.ofEpochMilli(ts).minus(Duration.ofDays(2)) + "\"}"));
        mixed.add(event("arena", "e1", null, 5));
        mixed.add(event("peak", "e2", null, 30));
        // judged by its effect: the second would overflow, and the third lands on the state before it
        mixed.add(event("arena", "big", null, 1.7e308));
        mixed.add(bad("arena", "big", "non_finite_result", "{\"id\":\"overflow\",\"board\":\"arena\",\"entity\":\"big\",\"value\":1.7e308}"));
        mixed.add(event("arena", "big", null, -1e308));
        mixed.add(event("sprint", "e3", null, 42));
        // the last record of a partition is a bad one: the offsets move past it all the same
        for (int p = 0; p < PARTITIONS; p++) {
            int partition = p;
            mixed.add(bad(partition, "arena/e" + partition, "not_an_object", ts -> "\"last\""));
        }

        stream(mixed);
        take(mixed);

        List<Letter> expected = mixed.stream().filter(s -> s.reason != null).map(s -> new Letter(text(s.record.key()),
                text(s.record.value()), s.reason, TOPIC, s.record.partition(), s.record.offset(), eventId(s))).toList();
        assertThat(deadLetterTopic.letters).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(deadLetterTopic.causes).allSatisfy(cause -> assertThat(cause).isNotBlank());
        expected.stream().collect(Collectors.groupingBy(Letter::reason, Collectors.counting())).forEach((reason, n) ->
                assertThat(counter("standings.events.dead.lettered", "reason", reason)).as(reason).isEqualTo(n.doubleValue()));
        assertThat(reference.entries.get("arena").get("e1").score()).isEqualTo(15);
        assertThat(reference.entries.get("arena").get("big").score()).isEqualTo(1.7e308 - 1e308);
        assertMatchesReference(lastOffsets());
        assertThat(live.indexes().keySet()).noneMatch(bp -> BoardPeriods.isPeriodOf(bp, "daily") || bp.startsWith("nowhere"));

        // the stream goes on
        List<Sent> next = List.of(event("arena", "e1", null, 1), event("arena", "big", "remove", 0), event("peak", "e2", null, 31));
        stream(next);
        take(next);
        assertMatchesReference(lastOffsets());
        assertThat(deadLetterTopic.letters).hasSameSizeAs(expected);
    }

    /** The event id header: only for an event whose id could be read. */
    private static String eventId(Sent s) {
        String value = text(s.record.value());
        if (value == null || !value.startsWith("{\"id\":\"")) {
            return null;
        }
        return value.substring(7, value.indexOf('"', 7));
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    // ---- overlap

    /** A first batch, applied and over, that the overlap tests continue from. */
    private void aFirstBatch() throws Exception {
        List<Sent> first = List.of(event("arena", "e1", null, 10), event("arena", "e2", null, 5), event("peak", "e1", null, 7),
                event("sprint", "e3", null, 40), event("arena", "e6", null, 2));
        stream(first);
        take(first);
    }

    @Test
    void aBatchPreparedWhileThePreviousIsInRedisIsUsedAndTheResultIsExact() throws Exception {
        aFirstBatch();
        List<Sent> n = List.of(event("arena", "e1", null, 3), event("arena", "e2", null, 4), event("peak", "e1", null, 9),
                event("arena", "e4", null, 6), event("sprint", "e3", null, 30));
        // on top of n: each of these reads what n changed (a fold on memory alone would get every one wrong)
        List<Sent> n1 = List.of(event("arena", "e1", null, 2), event("arena", "e2", null, 1), event("peak", "e1", null, 8),
                event("arena", "e4", "remove", 0), event("sprint", "e3", null, 35), event("arena", "e5", null, 1),
                event("arena", "e6", "set", 7));

        batches.holdReplies();
        Delivery first = deliver(n);
        first.sent().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(gate.isHeld()).as("n holds the gate while its script is in Redis").isTrue();
        Delivery second = deliver(n1);
        second.called().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(second.sent()).as("n+1 waits for n").isNotDone();
        assertThat(batches.scripts.get()).as("n's script sent, n+1's not yet").isEqualTo(2);
        batches.release(context);
        second.sent().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        settle();
        take(n);
        take(n1);

        assertThat(preparedAhead("used")).isEqualTo(1);
        assertThat(preparedAhead("discarded")).isZero();
        assertMatchesReference(lastOffsets());
        assertThat(reference.entries.get("arena").get("e1").score()).isEqualTo(15);
        assertThat(reference.entries.get("arena")).doesNotContainKey("e4");
        assertThat(keeper.fences).isEmpty();
    }

    @Test
    void aBatchPreparedAheadIsDiscardedWhenSomeoneElseHeldTheGateInBetweenAndTheResultIsExact() throws Exception {
        aFirstBatch();
        List<Sent> n = List.of(event("arena", "e1", null, 3), event("arena", "e2", null, 4), event("peak", "e1", null, 9));
        // arena's operator becomes set between n and n+1: prepared ahead, these would still add
        List<Sent> n1 = List.of(event("arena", "e1", null, 50), event("arena", "e2", null, 1), event("peak", "e1", null, 12),
                event("arena", "e7", null, 4));

        batches.holdReplies();
        Delivery first = deliver(n);
        first.sent().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        Delivery second = deliver(n1);
        second.called().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        Board arenaSet = new Board("arena", Order.DESC, TiePolicy.ORDINAL, Operation.SET, Period.NONE, ZoneId.of("UTC"), null);
        CompletableFuture<Void> admin = gate.run(() -> {
            boards.put(arenaSet);
            return Uni.createFrom().voidItem();
        }).subscribeAsCompletionStage();
        assertThat(admin).as("queued behind n").isNotDone();
        batches.release(context);
        admin.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        second.sent().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        settle();
        take(n);
        reference.boards.put("arena", arenaSet);
        take(n1);

        assertThat(preparedAhead("discarded")).isEqualTo(1);
        assertThat(preparedAhead("used")).isZero();
        assertMatchesReference(lastOffsets());
        assertThat(reference.entries.get("arena").get("e1").score()).isEqualTo(50);
    }

    // ---- fences

    /** {@code count} events of one entity (so on one partition), valued 1, 2, 3, ... */
    private List<Sent> eventsOf(String board, String entity, int count) {
        List<Sent> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(event(board, entity, null, i + 1));
        }
        return events;
    }

    /**
     * What another consumer that applied the partition up to {@code offset} leaves in Redis, scores aside: the floor
     * and every board period at that offset.
     */
    private void otherConsumerMoved(String field, long offset) {
        probe.send(Request.cmd(Command.HSET).arg(keys.offsets()).arg(field).arg(Long.toString(offset)));
        probe.smembers(keys.periods()).forEach(bp -> probe.send(Request.cmd(Command.HSET).arg(keys.periodOffsets(bp))
                .arg(field).arg(Long.toString(offset))));
    }

    @Test
    void aBatchFencedByAnOffsetRedisHoldsAheadAsksToResyncNotToRestoreAndAppliesOnlyWhatFollows() throws Exception {
        List<Sent> first = randomEvents(new Random(3), 60);
        Sent target = event("arena", "fenced", null, 100);
        stream(first, List.of(target));
        take(first);
        take(List.of(target));
        String field = target.field();
        long applied = target.record.offset();
        // another consumer applied five more records of the partition meanwhile
        otherConsumerMoved(field, applied + 5);
        Map<String, Object> redisBefore = dump();

        List<Sent> onTarget = eventsOf("arena", "fenced", 10);
        List<Sent> batch = new ArrayList<>(onTarget);
        batch.addAll(randomEvents(new Random(4), 30));
        stream(batch);
        batch.stream().filter(s -> !s.field().equals(field) || s.record.offset() > applied + 5).forEach(s -> take(List.of(s)));

        assertThat(keeper.fences).hasSize(1);
        Fence fence = keeper.fences.get(0);
        assertThat(fence.lostState()).isFalse();
        assertThat(fence.why()).contains(field);
        assertThat(fence.redisAtFence()).as("the fenced batch wrote nothing").isEqualTo(redisBefore);
        assertThat(counter("standings.ingest.fences")).isEqualTo(1);
        assertThat(counter("standings.events.duplicates")).isEqualTo(5);
        assertMatchesReference(lastOffsets());
        assertThat(reference.entries.get("arena").get("fenced").score()).isEqualTo(100 + 6 + 7 + 8 + 9 + 10);
    }

    @Test
    void aFencedBatchCountsItsDuplicatesAndItsPreparedAheadOutcomeOnce() throws Exception {
        aFirstBatch();
        List<Sent> n = eventsOf("arena", "fenced", 4);
        String field = n.get(0).field();
        long last = n.get(n.size() - 1).record.offset();
        // n's last two records delivered again, then six new ones
        List<Sent> n1 = new ArrayList<>(n.subList(2, 4));
        for (int v = 10; v <= 60; v += 10) {
            n1.add(event("arena", "fenced", null, v));
        }

        batches.holdReplies();
        Delivery first = deliver(n);
        first.sent().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        Delivery second = deliver(n1);
        second.called().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> Long.toString(last).equals(probe.hgetall(keys.offsets()).get(field)));
        // another consumer applies three more records of the partition before n+1 is written
        otherConsumerMoved(field, last + 3);
        batches.release(context);
        second.sent().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        settle();
        take(n);
        take(n1.subList(5, 8));

        assertThat(keeper.fences).hasSize(1);
        assertThat(keeper.fences.get(0).lostState()).isFalse();
        assertMatchesReference(lastOffsets());
        assertThat(reference.entries.get("arena").get("fenced").score()).isEqualTo(1 + 2 + 3 + 4 + 40 + 50 + 60);
        assertThat(counter("standings.events.duplicates")).as("two redelivered, three written by the other consumer")
                .isEqualTo(5);
        assertThat(preparedAhead("used") + preparedAhead("discarded")).as("one batch prepared ahead").isEqualTo(1);
        assertThat(preparedAhead("discarded")).as("what was prepared ahead was not what was written").isEqualTo(1);
        assertThat(registry.get("standings.ingest.batch.size").summary().count()).as("batches").isEqualTo(3);
    }

    @Test
    void aBatchFencedBecauseRedisLostItsOffsetAsksToRestoreAndIsAppliedWhole() throws Exception {
        List<Sent> first = randomEvents(new Random(5), 60);
        Sent target = event("arena", "fenced", null, 100);
        stream(first, List.of(target));
        take(first);
        take(List.of(target));
        String field = target.field();
        // Redis loses the partition's offsets: its floor and what every board period holds of it
        probe.send(Request.cmd(Command.HDEL).arg(keys.offsets()).arg(field));
        probe.smembers(keys.periods()).forEach(bp -> probe.send(Request.cmd(Command.HDEL).arg(keys.periodOffsets(bp)).arg(field)));
        Map<String, Object> redisBefore = dump();

        List<Sent> batch = new ArrayList<>(eventsOf("arena", "fenced", 10));
        batch.addAll(randomEvents(new Random(6), 30));
        stream(batch);
        take(batch);

        assertThat(keeper.fences).hasSize(1);
        Fence fence = keeper.fences.get(0);
        assertThat(fence.lostState()).isTrue();
        assertThat(fence.why()).contains(field);
        assertThat(fence.redisAtFence()).as("the fenced batch wrote nothing").isEqualTo(redisBefore);
        assertThat(counter("standings.ingest.fences")).isEqualTo(1);
        assertThat(counter("standings.events.duplicates")).isZero();
        assertMatchesReference(lastOffsets());
        assertThat(reference.entries.get("arena").get("fenced").score()).isEqualTo(100 + 55);
    }
}
