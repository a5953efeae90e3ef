package io.standings.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.standings.index.Order;
import io.standings.live.MemberCodec;
import io.standings.live.RedisKeys;
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
    public static void assertMemoryEquals(io.standings.live.LiveBoards live, String board, ReferenceBoard reference) {
        io.standings.index.RankIndex index = live.index(board, "all").orElseThrow();
        assertThat(index.size()).as("entries of %s in memory", board).isEqualTo(reference.size());
        for (ReferenceBoard.Row row : reference.ranked()) {
            assertThat(index.ranked(row.entity()).orElseThrow()).as(row.entity()).isEqualTo(new io.standings.index.Ranked(
                    row.entity(), row.score(), row.reachedAt(), row.ordinal(), row.competition(), row.dense()));
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
                assertThat(MemberCodec.entity(m.member())).as("entity at ordinal rank %d", i + 1).isEqualTo(row.entity());
                assertThat(MemberCodec.score(m.score(), order)).as("score of %s", row.entity()).isEqualTo(row.score());
                assertThat(MemberCodec.reachedAt(m.member())).as("reachedAt of %s", row.entity()).isEqualTo(row.reachedAt());
            }
            assertThat(redis.hgetall(keys.members(board, "all"))).hasSize(expected.size());
        }
    }

    /**
     * The current ranking generation of a board period in PostgreSQL equals the reference, row by row:
     * entity, score, reachedAt, and ROW_NUMBER / RANK / DENSE_RANK, ties included (issue 6).
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
                    assertThat(row).as("entity %s in entity_score", rs.getString(1)).isNotNull();
                    assertThat(rs.getDouble(2)).as("score of %s", row.entity()).isEqualTo(row.score());
                    assertThat(rs.getLong(3)).as("reachedAt of %s", row.entity()).isEqualTo(row.reachedAt());
                }
            }
            assertThat(rows).isEqualTo(expected.size());
        }
    }

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
