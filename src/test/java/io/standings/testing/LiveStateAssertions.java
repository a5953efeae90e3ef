package io.standings.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.standings.core.index.Order;
import io.standings.store.redis.MemberCodec;
import io.standings.store.redis.RedisKeys;
import java.time.Duration;
import java.util.List;

/** Assertions that the live state of a test run equals a reference, read the way other services read it. */
public final class LiveStateAssertions {

    private LiveStateAssertions() {
    }

    /**
     * Waits until Redis holds exactly the reference's entries of a desc all-time board in the reference's
     * order (so ZRANK is the ordinal rank for every entity), and the stored offsets cover {@code records}.
     */
    public static void assertRedisEquals(TestRun run, String board, ReferenceBoard reference, int records,
            Duration within) {
        awaitOffsets(run, records, within);
        assertRedisEquals(run, board, Order.DESC, reference);
    }

    /** Waits until the offsets stored in Redis cover {@code records} records. */
    public static void awaitOffsets(TestRun run, int records, Duration within) {
        RedisKeys keys = new RedisKeys(run.redisPrefix());
        try (RedisProbe redis = new RedisProbe(run.servers().redisUri())) {
            await().atMost(within).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                long offsets = redis.hgetall(keys.offsets()).values().stream().mapToLong(o -> Long.parseLong(o) + 1).sum();
                assertThat(offsets).as("records covered by the stored offsets").isEqualTo(records);
            });
        }
    }

    /** Waits until the offsets hash in Redis is exactly {@code expected} ("topic/partition" → last applied offset). */
    public static void awaitOffsets(TestRun run, java.util.Map<String, Long> expected, Duration within) {
        RedisKeys keys = new RedisKeys(run.redisPrefix());
        try (RedisProbe redis = new RedisProbe(run.servers().redisUri())) {
            await().atMost(within).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                java.util.Map<String, Long> stored = new java.util.HashMap<>();
                redis.hgetall(keys.offsets()).forEach((field, offset) -> stored.put(field, Long.parseLong(offset)));
                assertThat(stored).as("offsets stored in Redis").isEqualTo(expected);
            });
        }
    }

    /** The in-memory index of an all-time board holds exactly the reference: every entity's score and three ranks. */
    public static void assertMemoryEquals(io.standings.state.LiveBoards live, String board, ReferenceBoard reference) {
        io.standings.core.index.RankIndex index = live.index(board, "all").orElseThrow();
        assertThat(index.size()).as("entries of %s in memory", board).isEqualTo(reference.size());
        for (ReferenceBoard.Row row : reference.ranked()) {
            io.standings.core.index.Ranked expected = new io.standings.core.index.Ranked(row.entity(), row.score(), row.reachedAt(),
                    row.ordinal(), row.competition(), row.dense());
            if (!expected.equals(index.ranked(row.entity()).orElse(null))) {
                assertThat(index.ranked(row.entity())).as(row.entity()).contains(expected);
            }
        }
    }

    /** Redis holds exactly the reference's entries of an all-time board, in its order: ZRANK = ordinal rank − 1. */
    public static void assertRedisEquals(TestRun run, String board, Order order, ReferenceBoard reference) {
        List<ReferenceBoard.Row> expected = reference.ranked();
        RedisKeys keys = new RedisKeys(run.redisPrefix());
        try (RedisProbe redis = new RedisProbe(run.servers().redisUri())) {
            List<RedisProbe.Member> members = redis.zrange(keys.ranks(board, "all"));
            assertThat(members).hasSize(expected.size());
            for (int i = 0; i < expected.size(); i++) {
                ReferenceBoard.Row row = expected.get(i);
                RedisProbe.Member m = members.get(i);
                if (MemberCodec.entity(m.member()).equals(row.entity())
                        && Double.compare(MemberCodec.score(m.score(), order), row.score()) == 0
                        && MemberCodec.reachedAt(m.member()) == row.reachedAt()) {
                    continue; // equal: no assertion objects for each of a big board's entries
                }
                assertThat(MemberCodec.entity(m.member())).as("entity at ordinal rank %d", i + 1).isEqualTo(row.entity());
                assertThat(MemberCodec.score(m.score(), order)).as("score of %s", row.entity()).isEqualTo(row.score());
                assertThat(MemberCodec.reachedAt(m.member())).as("reachedAt of %s", row.entity()).isEqualTo(row.reachedAt());
            }
            assertThat(redis.hgetall(keys.members(board, "all"))).hasSize(expected.size());
        }
    }

    /**
     * The current ranking generation of a board period in PostgreSQL equals the reference, row by row:
     * entity, score, reachedAt, and ROW_NUMBER / RANK / DENSE_RANK, ties included.
     */
    public static void assertPostgresRankingEquals(TestRun run, String board, String period, ReferenceBoard reference)
            throws java.sql.SQLException {
        List<ReferenceBoard.Row> expected = reference.ranked();
        try (java.sql.Connection c = run.jdbc(); java.sql.PreparedStatement s = c.prepareStatement(
                "SELECT r.ordinal_rank, r.competition_rank, r.dense_rank, r.entity, r.score, r.reached_at"
                        + " FROM ranking_current cur JOIN ranking r ON r.bp_id = cur.bp_id"
                        + " AND r.generation = cur.generation WHERE cur.board = ? AND cur.period = ? ORDER BY r.ordinal_rank")) {
            s.setString(1, board);
            s.setString(2, period);
            List<ReferenceBoard.Row> actual = new java.util.ArrayList<>();
            try (java.sql.ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    actual.add(new ReferenceBoard.Row(rs.getString(4), rs.getDouble(5), rs.getLong(6), rs.getLong(1),
                            rs.getLong(2), rs.getLong(3)));
                }
            }
            assertThat(actual).as("PostgreSQL ranking of %s@%s", board, period).hasSize(expected.size());
            for (int i = 0; i < expected.size(); i++) {
                assertThat(actual.get(i)).as("ordinal %d of %s@%s", i + 1, board, period).isEqualTo(expected.get(i));
            }
        }
    }

    /** entity_score of a board period equals the reference's scores and reach times. */
    public static void assertPostgresScoresEqual(TestRun run, String board, String period, ReferenceBoard reference)
            throws java.sql.SQLException {
        java.util.Map<String, ReferenceBoard.Row> expected = new java.util.HashMap<>();
        reference.ranked().forEach(r -> expected.put(r.entity(), r));
        try (java.sql.Connection c = run.jdbc(); java.sql.PreparedStatement s = c.prepareStatement(
                "SELECT s.entity, s.score, s.reached_at FROM entity_score s JOIN board_period b ON b.id = s.bp_id"
                        + " WHERE b.board = ? AND b.period = ?")) {
            s.setString(1, board);
            s.setString(2, period);
            int rows = 0;
            try (java.sql.ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows++;
                    ReferenceBoard.Row row = expected.get(rs.getString(1));
                    if (row != null && Double.compare(rs.getDouble(2), row.score()) == 0 && rs.getLong(3) == row.reachedAt()) {
                        continue;
                    }
                    assertThat(row).as("entity %s in entity_score", rs.getString(1)).isNotNull();
                    assertThat(rs.getDouble(2)).as("score of %s", row.entity()).isEqualTo(row.score());
                    assertThat(rs.getLong(3)).as("reachedAt of %s", row.entity()).isEqualTo(row.reachedAt());
                }
            }
            assertThat(rows).isEqualTo(expected.size());
        }
    }

    /**
     * Every entry of an all-time board over the REST API of a service process, page by page (rank windows of 1000):
     * entity, score and ordinal rank in the reference's order, and the total. For boards too big for one request
     * per entity.
     */
    public static void assertServiceRanksEqual(ServiceProcess service, String board, ReferenceBoard reference) {
        List<ReferenceBoard.Row> expected = reference.ranked();
        for (int from = 1; from <= Math.max(1, expected.size()); from += 1000) {
            var response = service.get("/api/v1/boards/" + board + "/ranks?from=" + from + "&limit=1000");
            assertThat(response.statusCode()).as("ranks from %d", from).isEqualTo(200);
            com.fasterxml.jackson.databind.JsonNode page;
            try {
                page = JSON.readTree(response.body());
            } catch (java.io.IOException e) {
                throw new AssertionError("ranks from " + from + ": not JSON: " + response.body(), e);
            }
            assertThat(page.get("total").asLong()).as("total of %s", board).isEqualTo(expected.size());
            com.fasterxml.jackson.databind.JsonNode entries = page.get("entries");
            int n = Math.min(1000, expected.size() - from + 1);
            assertThat(entries.size()).as("entries from %d", from).isEqualTo(Math.max(0, n));
            for (int i = 0; i < entries.size(); i++) {
                ReferenceBoard.Row row = expected.get(from - 1 + i);
                com.fasterxml.jackson.databind.JsonNode e = entries.get(i);
                if (e.get("entity").asText().equals(row.entity()) && Double.compare(e.get("score").asDouble(), row.score()) == 0
                        && e.get("ordinalRank").asLong() == row.ordinal()) {
                    continue;
                }
                assertThat(e.get("entity").asText()).as("entity at ordinal rank %d", row.ordinal()).isEqualTo(row.entity());
                assertThat(e.get("score").asDouble()).as("score of %s", row.entity()).isEqualTo(row.score());
                assertThat(e.get("ordinalRank").asLong()).as("ordinal of %s", row.entity()).isEqualTo(row.ordinal());
            }
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Every entity's score and ordinal rank over the REST API of a service process. */
    public static void assertServiceAnswers(ServiceProcess service, String board, ReferenceBoard reference) {
        for (ReferenceBoard.Row row : reference.ranked()) {
            String body = service.get("/api/v1/boards/" + board + "/entries/" + row.entity()).body();
            assertThat(body).as(row.entity())
                    .contains("\"score\":" + row.score())
                    .contains("\"ordinalRank\":" + row.ordinal() + ",");
        }
    }
}
