package io.standings.core.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.standings.testing.ServerLocator;
import io.standings.testing.Servers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Invariant "one ordering everywhere" / "rank numbers come from one structure": the index's
 * ordinal, competition and dense ranks equal PostgreSQL's ROW_NUMBER / RANK / DENSE_RANK for the
 * same rows, both orders, with heavy ties and ids whose UTF-16 and code-point orders differ.
 * Needs a real PostgreSQL, found like every other real-server test ({@link ServerLocator}). Fails,
 * never skips, when there is none.
 */
class RanksMatchPostgresWindowFunctionsTest {
    private static final String SCHEMA = "idx_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    private static Connection db;

    @BeforeAll
    static void connect() throws SQLException {
        Servers servers = ServerLocator.servers();
        try {
            db = DriverManager.getConnection(servers.jdbcUrl(), servers.pgUser(), servers.pgPassword());
        } catch (SQLException e) {
            fail("PostgreSQL is not reachable at " + servers.jdbcUrl() + " as " + servers.pgUser() + " (" + e.getMessage()
                    + "). This test compares ranks with PostgreSQL window functions and needs a running server.");
        }
        try (Statement st = db.createStatement()) {
            st.execute("CREATE SCHEMA " + SCHEMA);
            st.execute("CREATE TABLE " + SCHEMA + ".entry (entity text PRIMARY KEY, score double precision NOT NULL, reached_at bigint NOT NULL)");
        }
    }

    @AfterAll
    static void dropSchema() throws SQLException {
        if (db != null) {
            try (Statement st = db.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
            }
            db.close();
        }
    }

    @Test
    void descendingBoardWithHeavyTiesRanksAsRowNumberRankAndDenseRank() throws SQLException {
        compareAll(Order.DESC, 1);
    }

    @Test
    void ascendingBoardWithHeavyTiesRanksAsRowNumberRankAndDenseRank() throws SQLException {
        compareAll(Order.ASC, 2);
    }

    private void compareAll(Order order, long seed) throws SQLException {
        Random rnd = new Random(seed);
        List<String> ids = new ArrayList<>();
        String[] odd = {"\uFFFD", "\uD83D\uDE00", "é", "Z", "a", "a b", "\uD83D\uDE00x", "\uFFFDx"};
        for (int i = 0; i < 4000; i++) {
            ids.add(i < odd.length ? odd[i] : (rnd.nextBoolean() ? "u" : "\uD83D\uDE00") + Integer.toString(rnd.nextInt(1_000_000), 36));
        }
        double[] scores = {-3.5, -0.0, 0.0, 1, 2, 2.5, 100, 9007199254740992.0};
        RankIndex[] indexes = {new BoardIndex(order), new BoardIndex(order, 3, 3), new TreeMapBoardIndex(order)};
        Map<String, Object[]> rows = new LinkedHashMap<>();
        for (int i = 0; i < 12000; i++) {
            String id = ids.get(rnd.nextInt(ids.size()));
            if (rnd.nextInt(6) == 0) {
                rows.remove(id);
                for (RankIndex index : indexes) {
                    index.remove(id);
                }
            } else {
                double score = scores[rnd.nextInt(scores.length)];
                long reachedAt = rnd.nextInt(3);
                rows.put(id, new Object[] {score, reachedAt});
                for (RankIndex index : indexes) {
                    index.upsert(id, score, reachedAt);
                }
            }
        }
        try (Statement st = db.createStatement()) {
            st.execute("TRUNCATE " + SCHEMA + ".entry");
        }
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO " + SCHEMA + ".entry VALUES (?, ?, ?)")) {
            for (Map.Entry<String, Object[]> e : rows.entrySet()) {
                ps.setString(1, e.getKey());
                ps.setDouble(2, (Double) e.getValue()[0]); // raw, -0.0 included: PostgreSQL ties it with 0
                ps.setLong(3, (Long) e.getValue()[1]);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        String dir = order == Order.DESC ? "DESC" : "ASC";
        String sql = "SELECT entity, score, reached_at,"
                + " ROW_NUMBER() OVER (ORDER BY score " + dir + ", reached_at, entity COLLATE \"C\") AS ordinal,"
                + " RANK() OVER (ORDER BY score " + dir + ") AS competition,"
                + " DENSE_RANK() OVER (ORDER BY score " + dir + ") AS dense"
                + " FROM " + SCHEMA + ".entry ORDER BY ordinal";
        List<Ranked> expected = new ArrayList<>();
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                expected.add(new Ranked(rs.getString(1), rs.getDouble(2) + 0.0, rs.getLong(3),
                        rs.getLong(4), rs.getLong(5), rs.getLong(6)));
            }
        }
        assertThat(expected).hasSize(rows.size());
        assertThat(expected.stream().filter(r -> r.competitionRank() != r.ordinalRank()).count())
                .as("the data has ties").isGreaterThan(1000);
        for (RankIndex index : indexes) {
            assertThat(index.size()).isEqualTo(rows.size());
            List<Ranked> streamed = new ArrayList<>();
            index.forEachInOrder((e, s, r, o, c, d) -> streamed.add(new Ranked(e, s, r, o, c, d)));
            assertThat(streamed).as(index.getClass().getSimpleName()).isEqualTo(expected);
            for (Ranked r : expected) {
                assertThat(index.ranked(r.entity())).contains(r);
            }
        }
    }
}
