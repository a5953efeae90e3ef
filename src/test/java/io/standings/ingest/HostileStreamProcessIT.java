package io.standings.ingest;

import io.standings.state.BoardPeriods;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.standings.core.index.Order;
import io.standings.store.redis.MemberCodec;
import io.standings.store.redis.RedisKeys;
import io.standings.testing.PipelineReference;
import io.standings.testing.PipelineReference.BoardDef;
import io.standings.testing.PipelineReference.Period;
import io.standings.testing.PipelineReference.Ranked;
import io.standings.testing.RedisProbe;
import io.standings.testing.ServerLocator;
import io.standings.testing.ServiceProcess;
import io.standings.testing.TestRun;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Invariant 7, no producer can hurt the service, over the whole pipeline: generated streams mix well-formed
 * events with values and times at the edges of what a double, a calendar and a period can hold (±MAX_VALUE,
 * subnormals, -0.0, overflowing sums, years 0 to 10000, records produced long before they are read, many
 * distinct periods, ids of 128 code points of several bytes each), malformed records of every kind, and admin
 * changes (quarantine, restore, erasure, a board's tie policy), and one Redis flush in the middle of each
 * stream. They go through the real broker into the packaged service with small limits (3 live periods per
 * board, 12 entries per board period). After every stream: the service is ready; memory (over REST), Redis and
 * PostgreSQL each equal {@link PipelineReference} for every board period; every rejected record is in the DLQ
 * with the reason the reference gives, and no other. After all streams, a restart, a Redis flush and a kill -9
 * each come back to the same state.
 *
 * <p>Short by default (3 streams of 300 steps, about two minutes). A long run: {@code deploy/test/generative}
 * (or {@code -Dstandings.generative.streams=N -Dstandings.generative.steps=M}); a failing seed is printed and
 * replays with {@code -Dstandings.generative.seed=S}.
 */
class HostileStreamProcessIT {

    static final Duration GRACE = Duration.ofMinutes(5);
    static final Duration RETENTION = Duration.ofDays(7);
    static final Duration SKEW = Duration.ofMinutes(5);
    static final int MAX_PERIODS = 3;
    static final int MAX_ENTRIES = 12;
    static final ObjectMapper JSON = new ObjectMapper();

    static TestRun run;
    static ServiceProcess service;
    static KafkaProducer<byte[], byte[]> producer;
    static PipelineReference reference;
    /** Source offset → the reason its record must be dead-lettered with. */
    static final Map<Long, String> expectedDeadLetters = new TreeMap<>();
    static long produced;
    static final List<String> allBoards = new ArrayList<>();

    @BeforeAll
    static void start() {
        run = TestRun.create(ServerLocator.servers());
        run.createTopics(1); // one partition: the reference's order is the service's order, limits included
        Map<String, String> env = run.serviceEnvironment();
        env.put("STANDINGS_MAX_LIVE_PERIODS", Integer.toString(MAX_PERIODS));
        env.put("STANDINGS_MAX_ENTRIES", Integer.toString(MAX_ENTRIES));
        env.put("STANDINGS_RECONCILE_INTERVAL", "1s");
        env.put("STANDINGS_RECONCILE_MAX_SHARE", "1");
        service = new ServiceProcess("hostile", env).start(Duration.ofSeconds(90));
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, run.servers().kafkaBootstrap(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5), new ByteArraySerializer(), new ByteArraySerializer());
        reference = new PipelineReference(GRACE, RETENTION, SKEW, MAX_PERIODS, MAX_ENTRIES);
    }

    @AfterAll
    static void stop() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        if (service != null) {
            service.close();
        }
        if (run != null) {
            run.cleanUp();
        }
    }

    @Test
    void everyStreamEndsInTheReferenceStateAndSurvivesRestartFlushAndKill() throws Exception {
        int streams = Integer.getInteger("standings.generative.streams", 3);
        int steps = Integer.getInteger("standings.generative.steps", 300);
        long baseSeed = Long.getLong("standings.generative.seed", System.nanoTime());
        for (int n = 0; n < streams; n++) {
            long seed = baseSeed + n;
            System.out.printf("[hostile-stream] stream %d of %d, seed %d (-Dstandings.generative.seed=%d)%n", n + 1,
                    streams, seed, seed);
            new Stream(n, new Random(seed)).run(steps);
            awaitEverythingApplied();
            assertAllStoresEqualTheReference();
            assertDeadLettersAreExactlyTheRejected();
        }

        service.close();
        service.start(Duration.ofSeconds(90));
        System.out.println("[hostile-stream] restarted");
        awaitEverythingApplied();
        assertAllStoresEqualTheReference();

        run.flushRedis();
        System.out.println("[hostile-stream] Redis flushed");
        awaitEverythingApplied();
        assertAllStoresEqualTheReference();

        service.kill9();
        service.start(Duration.ofSeconds(90));
        System.out.println("[hostile-stream] killed -9 and started");
        awaitEverythingApplied();
        assertAllStoresEqualTheReference();
        assertDeadLettersAreExactlyTheRejected();
        assertThat(service.get("/q/health/live").statusCode()).isEqualTo(200);
        System.out.printf("[hostile-stream] %d records, %d dead-lettered: every store equals the reference%n", produced,
                expectedDeadLetters.size());
    }

    // --- One generated stream ------------------------------------------------------------------------------------

    /** Generates and produces one stream on boards of its own. */
    static final class Stream {
        final int n;
        final Random r;
        final List<BoardDef> boards = new ArrayList<>();
        final List<String> entities = new ArrayList<>();
        int adminChanges;
        boolean flushed;

        Stream(int n, Random r) {
            this.n = n;
            this.r = r;
            String p = "s" + n + "-";
            boards.add(new BoardDef(p + "sum", true, "competition", "incr", Period.NONE, ZoneId.of("UTC"), null));
            boards.add(new BoardDef(p + "low", false, "dense", "best", Period.NONE, ZoneId.of("UTC"), null));
            boards.add(new BoardDef(p + "set", true, "ordinal", "set", Period.NONE, ZoneId.of("UTC"), null));
            boards.add(new BoardDef(p + "hot", true, "ordinal", "incr", Period.NONE, ZoneId.of("UTC"), Duration.ofHours(1)));
            boards.add(new BoardDef(p + "day", true, "competition", "incr", Period.DAILY, ZoneId.of("Europe/Paris"), null));
            boards.add(new BoardDef(p + "week", false, "dense", "best", Period.WEEKLY, ZoneId.of("Pacific/Kiritimati"), null));
            boards.add(new BoardDef(p + "month", true, "dense", "set", Period.MONTHLY, ZoneId.of("America/St_Johns"), null));
            for (int i = 0; i < 10; i++) {
                entities.add("e" + i);
            }
            entities.add("élan-" + n);
            entities.add("名前" + n);
            entities.add("🎲" + n);
            entities.add(maxLengthId(n)); // 128 code points, 4 bytes each in UTF-8
            entities.add("with space " + n);
        }

        void run(int steps) throws Exception {
            for (BoardDef b : boards) {
                assertThat(service.admin("PUT", "/api/v1/boards/" + b.id(), b.json()).statusCode()).isEqualTo(200);
                reference.putBoard(b);
                allBoards.add(b.id());
            }
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            List<String> expectations = new ArrayList<>();
            for (int i = 0; i < steps; i++) {
                if (r.nextInt(60) == 0 && adminChanges < 6) {
                    settle(sent, expectations);
                    adminChange();
                    adminChanges++;
                    continue;
                }
                if (!flushed && i > steps / 2) {
                    settle(sent, expectations);
                    run.flushRedis(); // a Redis loss in the middle of the stream: restored, replayed
                    flushed = true;
                    System.out.printf("[hostile-stream] Redis flushed after offset %d%n", produced - 1);
                }
                ProducerRecord<byte[], byte[]> record = r.nextInt(100) < 18 ? malformed(expectations) : event(expectations);
                sent.add(producer.send(record));
            }
            settle(sent, expectations);
            // A last record of a board of its own, so that the checkpoint covers everything above.
            BoardDef sentinel = boards.get(0);
            long now = System.currentTimeMillis();
            sent.add(producer.send(record(sentinel.id(), "sentinel", "{\"board\":\"" + sentinel.id()
                    + "\",\"entity\":\"sentinel\",\"op\":\"set\",\"value\":1}", now)));
            expectations.add(reference.event(sentinel.id(), "sentinel", "set", 1, now, now, now));
            settle(sent, expectations);
        }

        /** Waits for the broker's acknowledgements and records which offsets must be dead-lettered. */
        void settle(List<Future<RecordMetadata>> sent, List<String> expectations) throws Exception {
            producer.flush();
            for (int i = 0; i < sent.size(); i++) {
                long offset = sent.get(i).get().offset();
                if (expectations.get(i) != null) {
                    expectedDeadLetters.put(offset, expectations.get(i));
                }
                produced = Math.max(produced, offset + 1);
            }
            sent.clear();
            expectations.clear();
        }

        /** A well-formed event: any board, entity, operator, value and time, judged by the reference. */
        ProducerRecord<byte[], byte[]> event(List<String> expectations) {
            BoardDef b = pick(boards);
            String entity = pick(entities);
            String op = r.nextInt(4) == 0 ? null : pick(List.of("set", "incr", "best", "remove"));
            double value = value(b, op);
            long now = System.currentTimeMillis();
            long[] times = times(b, now);
            long ts = times[0];
            long producedAt = times[1];
            boolean withTs = ts != producedAt || r.nextBoolean();
            StringBuilder json = new StringBuilder("{\"board\":\"").append(b.id()).append("\",\"entity\":")
                    .append(quote(entity));
            if (op != null) {
                json.append(",\"op\":\"").append(op).append('"');
            }
            if (!"remove".equals(op) || r.nextBoolean()) {
                json.append(",\"value\":").append(number(value));
            }
            if (withTs) {
                json.append(",\"ts\":\"").append(Instant.ofEpochMilli(ts)).append('"');
            }
            if (r.nextInt(10) == 0) {
                json.append(",\"id\":\"ev-").append(r.nextInt(1_000_000)).append("\",\"extra\":{\"ignored\":[1,2]}");
            }
            json.append('}');
            expectations.add(reference.event(b.id(), entity, op, value, withTs ? ts : producedAt, producedAt, now));
            return record(b.id(), entity, json.toString(), producedAt);
        }

        /** A record with one fault, and the reason it must be dead-lettered with. */
        ProducerRecord<byte[], byte[]> malformed(List<String> expectations) {
            BoardDef b = pick(boards);
            String e = pick(entities);
            String key = b.id() + "/" + e;
            String head = "{\"board\":\"" + b.id() + "\",\"entity\":" + quote(e);
            long now = System.currentTimeMillis();
            String reason;
            String value;
            byte[] raw = null;
            String recordKey = key;
            switch (r.nextInt(19)) {
                case 0 -> { value = "not json " + r.nextInt(); reason = "malformed_json"; }
                case 1 -> { value = "[1,2,3]"; reason = "not_an_object"; }
                case 2 -> { value = "{\"entity\":" + quote(e) + ",\"value\":1}"; reason = "missing_field"; }
                case 3 -> { value = "{\"board\":7,\"entity\":" + quote(e) + ",\"value\":1}"; reason = "wrong_type"; }
                case 4 -> { value = "{\"board\":\"Not A Board\",\"entity\":\"x\",\"value\":1}"; recordKey = "Not A Board/x";
                    reason = "invalid_board"; }
                case 5 -> { String bad = maxLengthId(n) + "x"; value = "{\"board\":\"" + b.id() + "\",\"entity\":" + quote(bad)
                        + ",\"value\":1}"; recordKey = b.id() + "/" + bad; reason = "invalid_entity"; }
                case 6 -> { value = "{\"board\":\"" + b.id() + "\",\"entity\":\"a/b\",\"value\":1}"; recordKey = b.id() + "/a/b";
                    reason = "invalid_entity"; }
                case 7 -> { value = head + ",\"op\":\"mul\",\"value\":1}"; reason = "invalid_op"; }
                case 8 -> { value = head + ",\"value\":\"12\"}"; reason = "wrong_type"; }
                case 9 -> { value = head + ",\"value\":9007199254740993}"; reason = "invalid_value"; }
                case 10 -> { value = head + ",\"value\":1e400}"; reason = "invalid_value"; }
                case 11 -> { value = head + ",\"value\":1,\"ts\":\"yesterday\"}"; reason = "invalid_ts"; }
                case 12 -> { value = head + ",\"value\":1,\"ts\":1733000000000}"; reason = "wrong_type"; }
                case 13 -> { value = head + ",\"value\":1,\"ts\":\"" + pick(List.of("+10000-06-01T00:00:00Z",
                        "0000-12-31T12:00:00Z", "-0001-01-01T00:00:00Z", "9999-12-31T23:00:00Z")) + "\"}";
                    reason = "ts_out_of_range"; }
                case 14 -> { value = head + ",\"value\":1}"; recordKey = null; reason = "missing_key"; }
                case 15 -> { value = head + ",\"value\":1}"; recordKey = b.id() + "/someone-else"; reason = "key_mismatch"; }
                case 16 -> { value = "{\"board\":\"nowhere-" + n + "\",\"entity\":\"x\",\"value\":1}"; recordKey = "nowhere-" + n + "/x";
                    reason = "unknown_board"; }
                case 17 -> { value = head + ",\"value\":1,\"padding\":\"" + "x".repeat(17_000) + "\"}"; reason = "too_large"; }
                default -> { raw = (head + ",\"value\":1,\"note\":\"").getBytes(StandardCharsets.UTF_8);
                    raw = concat(raw, new byte[] {(byte) 0xC3, (byte) 0x28}, "\"}".getBytes(StandardCharsets.UTF_8));
                    value = null; reason = "malformed_json"; }
            }
            expectations.add(reason);
            byte[] bytes = raw != null ? raw : value.getBytes(StandardCharsets.UTF_8);
            return new ProducerRecord<>(run.topic(), null, now, recordKey == null ? null : recordKey.getBytes(StandardCharsets.UTF_8),
                    bytes);
        }

        /** Quarantine, restore, erasure or a new tie policy, once the service has applied everything before it. */
        void adminChange() {
            awaitAppliedInRedis();
            BoardDef b = pick(boards);
            String e = pick(entities);
            String path = "/api/v1/boards/" + b.id() + "/entries/" + URLEncoder.encode(e, StandardCharsets.UTF_8)
                    .replace("+", "%20") + "/quarantine";
            int change = r.nextInt(4);
            System.out.printf("[hostile-stream] after offset %d: %s %s/%s%n", produced - 1,
                    List.of("quarantine", "restore", "erase", "ties").get(change), b.id(), e);
            switch (change) {
                case 0 -> {
                    assertThat(service.admin("POST", path, null).statusCode()).as("quarantine").isEqualTo(200);
                    reference.quarantine(b.id(), e);
                }
                case 1 -> {
                    assertThat(service.admin("DELETE", path, null).statusCode()).as("restore").isEqualTo(200);
                    reference.restore(b.id(), e);
                }
                case 2 -> {
                    String erase = "/api/v1/entities/" + URLEncoder.encode(e, StandardCharsets.UTF_8).replace("+", "%20");
                    assertThat(service.admin("DELETE", erase, null).statusCode()).as("erase").isEqualTo(200);
                    reference.erase(e);
                }
                default -> {
                    String ties = pick(List.of("ordinal", "competition", "dense"));
                    BoardDef changed = new BoardDef(b.id(), b.desc(), ties, b.operator(), b.period(), b.zone(), b.halfLife());
                    assertThat(service.admin("PUT", "/api/v1/boards/" + b.id(), changed.json()).statusCode()).isEqualTo(200);
                    reference.putBoard(changed);
                    boards.set(boards.indexOf(b), changed);
                }
            }
        }

        /** Values at the edges of a double, and ordinary ones that tie. */
        double value(BoardDef b, String op) {
            double v = switch (r.nextInt(12)) {
                case 0 -> pick(List.of(Double.MAX_VALUE, -Double.MAX_VALUE, 1e308, -1e308));
                case 1 -> pick(List.of(Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, 2.5e-320));
                case 2 -> pick(List.of(0.0, -0.0));
                case 3 -> pick(List.of(9007199254740992.0, -9007199254740992.0, 1e15, 123456.789));
                case 4 -> r.nextDouble() * 1e6 - 5e5;
                default -> r.nextInt(7) - 2;
            };
            if (b.halfLife() != null && r.nextInt(8) != 0) {
                v = Math.abs(v) + 1; // mostly positive on a decaying board; now and then not (invalid_value)
            }
            return v;
        }

        /**
         * The event's time and its record's produce time: mostly now; a period or two back, produced then (in time)
         * or now (late); long ago (released periods); ahead within the skew or beyond it; the calendar's edges.
         * Nothing within a day of the seven-day retention boundary, which the wall clock decides.
         */
        long[] times(BoardDef b, long now) {
            long day = Duration.ofDays(1).toMillis();
            int pick = r.nextInt(100);
            if (pick < 55) {
                return new long[] {now - r.nextInt(30_000), now};
            }
            if (pick < 75) {
                long ts = now - (1 + r.nextInt(3)) * day + r.nextInt((int) Duration.ofHours(20).toMillis());
                boolean inTime = r.nextInt(3) != 0;
                long producedAt = inTime ? ts + r.nextInt((int) Duration.ofMinutes(4).toMillis()) : now;
                return new long[] {ts, Math.min(producedAt, now)};
            }
            if (pick < 82) {
                long ts = now - (10 + r.nextInt(400)) * day;
                return new long[] {ts, r.nextBoolean() ? ts : now};
            }
            if (pick < 90) {
                return new long[] {now + r.nextInt((int) Duration.ofMinutes(4).toMillis()), now};
            }
            if (pick < 96) {
                return new long[] {now + Duration.ofMinutes(6).toMillis() + r.nextInt((int) Duration.ofDays(3).toMillis()), now};
            }
            long edge = pick(List.of(Instant.parse("0001-01-02T00:00:00Z").toEpochMilli(),
                    Instant.parse("1970-01-01T00:00:00Z").toEpochMilli(), Instant.parse("9999-12-30T23:59:59.999Z").toEpochMilli()));
            return new long[] {edge, now};
        }

        <T> T pick(List<T> list) {
            return list.get(r.nextInt(list.size()));
        }
    }

    static String maxLengthId(int n) {
        StringBuilder sb = new StringBuilder();
        String suffix = "-" + n;
        for (int i = 0; i < 128 - suffix.length(); i++) {
            sb.appendCodePoint(0x1F600 + i % 60);
        }
        return sb.append(suffix).toString();
    }

    static ProducerRecord<byte[], byte[]> record(String board, String entity, String json, long producedAt) {
        return new ProducerRecord<>(run.topic(), null, producedAt, (board + "/" + entity).getBytes(StandardCharsets.UTF_8),
                json.getBytes(StandardCharsets.UTF_8));
    }

    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15 && !(v == 0 && 1 / v < 0)) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    // --- Checks ---------------------------------------------------------------------------------------------------------

    /** Until Redis's offsets cover every record produced, and the PostgreSQL checkpoint too. */
    static void awaitEverythingApplied() {
        awaitAppliedInRedis();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            try (Connection c = run.jdbc(); PreparedStatement s = c.prepareStatement(
                    "SELECT coalesce(sum(\"offset\" + 1), 0) FROM ingest_checkpoint"); ResultSet rs = s.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).as("records covered by the PostgreSQL checkpoint").isEqualTo(produced);
            }
        });
        assertThat(service.get("/q/health/ready").statusCode()).as("ready").isEqualTo(200);
    }

    /** Until Redis holds its marker and its offsets cover every record produced. */
    static void awaitAppliedInRedis() {
        RedisKeys keys = new RedisKeys(run.redisPrefix());
        try (RedisProbe redis = new RedisProbe(run.servers().redisUri())) {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                assertThat(redis.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.EXISTS)
                        .arg(keys.marker())).toInteger()).as("marker").isEqualTo(1);
                long applied = redis.hgetall(keys.offsets()).values().stream().mapToLong(o -> Long.parseLong(o) + 1).sum();
                assertThat(applied).as("records covered by Redis's offsets").isEqualTo(produced);
            });
        }
    }

    static void assertAllStoresEqualTheReference() throws Exception {
        for (String board : allBoards) {
            BoardDef b = reference.board(board);
            assertMemoryEqualsReference(b);
            for (String period : periodsToCheck(b)) {
                assertRedisEqualsReference(b, period);
                assertPostgresEqualsReference(b, period);
            }
        }
        try (Connection c = run.jdbc(); PreparedStatement s = c.prepareStatement("SELECT count(*) FROM erasure");
                ResultSet rs = s.executeQuery()) {
            rs.next();
            assertThat(rs.getLong(1)).as("tombstones left once the checkpoint passed them").isZero();
        }
    }

    /** The reference's live periods, and every period Redis lists for the board (none more may exist). */
    static Set<String> periodsToCheck(BoardDef b) {
        Set<String> periods = new HashSet<>(reference.livePeriods(b.id()));
        try (RedisProbe redis = new RedisProbe(run.servers().redisUri())) {
            for (String bp : redis.smembers(new RedisKeys(run.redisPrefix()).periods())) {
                if (bp.startsWith(b.id() + "@")) {
                    periods.add(bp.substring(bp.indexOf('@') + 1));
                }
            }
        }
        return periods;
    }

    /** The current period over REST: every entry's score, rank and ordinal rank, in order. */
    static void assertMemoryEqualsReference(BoardDef b) throws Exception {
        String period = PipelineReference.periodOf(b, System.currentTimeMillis());
        List<Ranked> expected = reference.ranked(b.id(), period);
        JsonNode page = JSON.readTree(service.get("/api/v1/boards/" + b.id() + "/ranks?from=1&limit=1000").body());
        JsonNode entries = page.get("entries");
        List<String> listed = new ArrayList<>();
        entries.forEach(e -> listed.add(e.get("entity").asText()));
        assertThat(listed).as("entities of %s@%s in memory, in rank order", b.id(), period)
                .isEqualTo(expected.stream().map(Ranked::entity).toList());
        assertThat(page.get("total").asLong()).isEqualTo(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            Ranked want = expected.get(i);
            JsonNode got = entries.get(i);
            String where = b.id() + "@" + period + " ordinal " + (i + 1);
            assertThat(got.get("entity").asText()).as(where).isEqualTo(want.entity());
            assertThat(got.get("ordinalRank").asLong()).as(where).isEqualTo(want.ordinal());
            assertThat(got.get("rank").asLong()).as(where).isEqualTo(want.rank(b.ties()));
            if (b.halfLife() == null) {
                assertThat(got.get("score").doubleValue()).as(where).isEqualTo(want.score());
            }
        }
        for (String entity : reference.entitiesOf(b.id())) {
            if (reference.isQuarantined(b.id(), entity)) {
                assertThat(service.get("/api/v1/boards/" + b.id() + "/entries/" + URLEncoder.encode(entity,
                        StandardCharsets.UTF_8).replace("+", "%20")).statusCode()).as("quarantined %s hidden", entity)
                        .isEqualTo(404);
            }
        }
    }

    static void assertRedisEqualsReference(BoardDef b, String period) {
        Order order = b.desc() ? Order.DESC : Order.ASC;
        RedisKeys keys = new RedisKeys(run.redisPrefix());
        List<Ranked> expected = reference.ranked(b.id(), period);
        try (RedisProbe redis = new RedisProbe(run.servers().redisUri())) {
            List<RedisProbe.Member> members = redis.zrange(keys.ranks(b.id(), period));
            String where = "Redis " + b.id() + "@" + period;
            assertThat(members).as(where).hasSize(expected.size());
            for (int i = 0; i < expected.size(); i++) {
                RedisProbe.Member m = members.get(i);
                assertThat(MemberCodec.entity(m.member())).as(where + " ordinal " + (i + 1)).isEqualTo(expected.get(i).entity());
                assertThat(MemberCodec.score(m.score(), order)).as(where + " score").isEqualTo(expected.get(i).score());
                assertThat(MemberCodec.reachedAt(m.member())).as(where + " reachedAt").isEqualTo(expected.get(i).reachedAt());
            }
            assertThat(redis.hgetall(keys.members(b.id(), period))).as(where + " members").hasSize(expected.size());
            assertThat(redis.hgetall(keys.held(BoardPeriods.boardPeriod(b.id(), period))).keySet()).as(where + " held")
                    .isEqualTo(reference.held(b.id(), period).keySet());
        }
    }

    static void assertPostgresEqualsReference(BoardDef b, String period) throws Exception {
        List<Ranked> expected = reference.ranked(b.id(), period);
        String where = "PostgreSQL " + b.id() + "@" + period;
        List<Ranked> ranking = new ArrayList<>();
        try (Connection c = run.jdbc(); PreparedStatement s = c.prepareStatement(
                "SELECT r.entity, r.score, r.reached_at, r.ordinal_rank, r.competition_rank, r.dense_rank"
                        + " FROM ranking_current cur JOIN ranking r ON r.bp_id = cur.bp_id AND r.generation = cur.generation"
                        + " WHERE cur.board = ? AND cur.period = ? ORDER BY r.ordinal_rank")) {
            s.setString(1, b.id());
            s.setString(2, period);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    ranking.add(new Ranked(rs.getString(1), rs.getDouble(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                            rs.getLong(6)));
                }
            }
        }
        assertThat(ranking).as(where + " ranking").isEqualTo(expected);
        Map<String, PipelineReference.Cell> scores = new TreeMap<>();
        try (Connection c = run.jdbc(); PreparedStatement s = c.prepareStatement(
                "SELECT s.entity, s.score, s.reached_at FROM entity_score s JOIN board_period p ON p.id = s.bp_id"
                        + " WHERE p.board = ? AND p.period = ?")) {
            s.setString(1, b.id());
            s.setString(2, period);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    scores.put(rs.getString(1), new PipelineReference.Cell(rs.getDouble(2), rs.getLong(3)));
                }
            }
        }
        Map<String, PipelineReference.Cell> expectedScores = new TreeMap<>();
        expected.forEach(row -> expectedScores.put(row.entity(), new PipelineReference.Cell(row.score(), row.reachedAt())));
        assertThat(scores).as(where + " entity_score").isEqualTo(expectedScores);
        Map<String, PipelineReference.Cell> held = new TreeMap<>();
        try (Connection c = run.jdbc(); PreparedStatement s = c.prepareStatement(
                "SELECT entity, score, reached_at FROM held_score WHERE board = ? AND period = ?")) {
            s.setString(1, b.id());
            s.setString(2, period);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    held.put(rs.getString(1), new PipelineReference.Cell(rs.getDouble(2), rs.getLong(3)));
                }
            }
        }
        assertThat(held).as(where + " held_score").isEqualTo(reference.held(b.id(), period));
    }

    /**
     * Every record the reference rejects is in the DLQ with its reason (a recovery's replay may park one twice, with
     * the same reason), and no taken record is.
     */
    static void assertDeadLettersAreExactlyTheRejected() {
        Map<Long, Set<String>> found = new HashMap<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            found.clear();
            for (ConsumerRecord<byte[], byte[]> letter : run.readDeadLetters(expectedDeadLetters.size(), Duration.ofSeconds(10))) {
                long offset = Long.parseLong(header(letter, "dead-letter-offset"));
                found.computeIfAbsent(offset, o -> new HashSet<>()).add(header(letter, "dead-letter-reason"));
                assertThat(header(letter, "dead-letter-cause")).as("a cause for offset %d", offset).isNotBlank();
            }
            return found.keySet().containsAll(expectedDeadLetters.keySet());
        });
        Map<Long, String> actual = new TreeMap<>();
        found.forEach((offset, reasons) -> {
            assertThat(reasons).as("reasons given to offset %d", offset).hasSize(1);
            actual.put(offset, reasons.iterator().next());
        });
        assertThat(actual).isEqualTo(expectedDeadLetters);
    }

    static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
