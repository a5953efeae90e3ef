package io.standings.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.standings.core.index.BoardIndex;
import io.standings.core.index.Order;
import io.standings.state.PeriodSnapshotTest.Row;
import io.standings.store.postgres.CheckpointWriter;
import io.standings.store.postgres.DriftQueries;
import io.standings.store.postgres.PeriodPlan;
import io.standings.store.postgres.PeriodResult;
import io.standings.store.postgres.PgSession;
import io.standings.store.postgres.RankedRow;
import io.standings.testing.ServerLocator;
import io.standings.testing.Servers;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgBuilder;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The drift audit compares {@link PeriodSnapshot#checksum()} with {@link DriftQueries#checksum(int)}: for the same
 * rows they must be equal, or every audit of an incrementally written board period reports drift (or, worse, the
 * two agree on different rows). Rows are written into the real schema (the Flyway migrations, in a schema of this
 * class) by the real {@link CheckpointWriter}, full syncs and incremental writes, and read back by the real
 * drift query. The rows PostgreSQL holds are also read back and compared with the naive model, and both checksums
 * with the naive checksum of {@link PeriodSnapshotTest}, so that an agreement of two wrong sides cannot pass.
 */
class PeriodSnapshotChecksumIT {

    private static final String SCHEMA = "snap_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final AtomicInteger BOARDS = new AtomicInteger();

    /** Ids valid for both KeyChecks and board.Ids: quotes, backslashes, spaces, SQL words, multi-byte characters. */
    private static final String[] ODD_IDS = {"O'Brien", "say \"hi\"", "back\\slash", "\\n", "E'\\n'", "NULL", "null", "{a,b}",
        "a,b", "  spaced  ", "%_like", "$1", "\uFFFD", "\uD83D\uDE00", "\uFFFDx", "\uD83D\uDE00x", "é", "e\u0301", "日本語",
        "\u00A0", "ß", "Ω", "z", "Z", "0", "-1"};

    private static final double[] SCORES = {-1e300, -123.456, -3.5, -0.0, 0.0, 0.1, 0.30000000000000004, 0.3, 1, 2.5,
        Math.PI, 1e15 + 0.5, 9007199254740993.0, Double.MAX_VALUE, Double.MIN_VALUE, -Double.MIN_VALUE, 4.9e-320};

    private static Servers pg;
    private static Vertx vertx;
    private static Pool pool;
    private static CheckpointWriter writer;
    private static DriftQueries queries;

    @BeforeAll
    static void migrateAndConnect() {
        pg = ServerLocator.servers();
        Flyway.configure().dataSource(pg.jdbcUrl(), pg.pgUser(), pg.pgPassword()).schemas(SCHEMA).defaultSchema(SCHEMA)
                .createSchemas(true).locations("classpath:db/migration").load().migrate();
        vertx = Vertx.vertx();
        pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4))
                .connectingTo(new PgConnectOptions().setHost(pg.pgHost()).setPort(pg.pgPort()).setDatabase(pg.pgDatabase())
                        .setUser(pg.pgUser()).setPassword(pg.pgPassword()).addProperty("search_path", SCHEMA))
                .using(vertx).build();
        PgSession transactions = new PgSession(pool, Duration.ofSeconds(60), "64MB");
        writer = new CheckpointWriter(transactions);
        queries = new DriftQueries(transactions);
    }

    @AfterAll
    static void dropSchema() throws Exception {
        if (pool != null) {
            pool.closeAndAwait();
        }
        if (vertx != null) {
            vertx.closeAndAwait();
        }
        if (pg != null) {
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.pgUser(), pg.pgPassword()); Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** A board period of the test: its model (entity → row) and the index the snapshots are copied from. */
    private static final class Period {
        final String boardPeriod = "chk-" + BOARDS.incrementAndGet() + "@all";
        final Order order;
        final BoardIndex index;
        final Map<String, Row> model = new LinkedHashMap<>();

        Period(Order order) {
            this.order = order;
            this.index = new BoardIndex(order);
        }

        void put(String entity, double score, long reachedAt) {
            index.upsert(entity, score, reachedAt);
            model.put(entity, new Row(entity, score == 0.0 ? 0.0 : score, reachedAt));
        }

        void remove(String entity) {
            index.remove(entity);
            model.remove(entity);
        }

        PeriodSnapshot snapshot() {
            return PeriodSnapshot.copy(boardPeriod, index);
        }
    }

    private static PeriodResult write(PeriodPlan plan) {
        List<PeriodResult> results = writer.write(List.of(plan), Map.of(), QuarantineState.EMPTY).await().atMost(WAIT);
        assertThat(results).hasSize(1);
        return results.get(0);
    }

    private static String sqlChecksum(int bpId) {
        return queries.checksum(bpId).await().atMost(WAIT);
    }

    /** entity_score's rows of a board period, read back with JDBC. */
    private static Set<Row> storedRows(int bpId) throws Exception {
        Set<Row> rows = new HashSet<>();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.pgUser(), pg.pgPassword());
                PreparedStatement ps = c.prepareStatement("SELECT entity, score, reached_at FROM " + SCHEMA
                        + ".entity_score WHERE bp_id = ?")) {
            ps.setInt(1, bpId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(rs.getString(1), rs.getDouble(2), rs.getLong(3)));
                }
            }
        }
        return rows;
    }

    private static void execute(String sql, Object... args) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.pgUser(), pg.pgPassword()); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }

    /** PostgreSQL holds exactly the model's rows, and both checksums equal the naive one. */
    private static void assertChecksumsAgree(Period p, PeriodSnapshot s, int bpId) throws Exception {
        assertThat(storedRows(bpId)).as("rows of %s in entity_score", p.boardPeriod)
                .containsExactlyInAnyOrderElementsOf(p.model.values());
        BigInteger naive = PeriodSnapshotTest.naiveChecksum(new ArrayList<>(p.model.values()));
        assertThat(Long.toUnsignedString(s.checksum())).as("snapshot checksum of %s", p.boardPeriod)
                .isEqualTo(naive.toString());
        assertThat(sqlChecksum(bpId)).as("SQL checksum of %s", p.boardPeriod).isEqualTo(naive.toString());
    }

    private static Period randomPeriod(Order order, long seed, int n) {
        Random rnd = new Random(seed);
        Period p = new Period(order);
        for (int i = 0; i < n; i++) {
            String id = switch (rnd.nextInt(5)) {
                case 0 -> ODD_IDS[rnd.nextInt(ODD_IDS.length)] + (rnd.nextBoolean() ? "" : Integer.toString(i, 36));
                case 1 -> "\uD83D\uDE00" + Integer.toString(rnd.nextInt(n + 1), 36);
                default -> "p" + Integer.toString(rnd.nextInt(3 * n + 1), 36);
            };
            long reachedAt = switch (rnd.nextInt(6)) {
                case 0 -> Long.MIN_VALUE + rnd.nextInt(2);
                case 1 -> Long.MAX_VALUE - rnd.nextInt(2);
                case 2 -> -rnd.nextInt(3);
                default -> 1_780_000_000_000L + rnd.nextInt(3);
            };
            p.put(id, SCORES[rnd.nextInt(SCORES.length)], reachedAt);
        }
        return p;
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void checksumEqualsTheSqlChecksumOfTheSameRowsWrittenByAFullSync() throws Exception {
        int[] sizes = {1, 2, 7, 64, 333, 2_048};
        for (int k = 0; k < sizes.length; k++) {
            Order order = k % 2 == 0 ? Order.DESC : Order.ASC;
            Period p = randomPeriod(order, 100 + k, sizes[k]);
            PeriodSnapshot s = p.snapshot();
            PeriodResult result = write(PeriodPlan.fullSync(s, true, false));
            assertChecksumsAgree(p, s, result.bpId());
        }
    }

    @Test
    void checksumEqualsTheSqlChecksumForRandomSizesAndSeeds() throws Exception {
        Random sizes = new Random(2026);
        for (int k = 0; k < 6; k++) {
            int n = sizes.nextInt(5_000);
            Period p = randomPeriod(k % 2 == 0 ? Order.ASC : Order.DESC, sizes.nextLong(), n);
            PeriodSnapshot s = p.snapshot();
            assertChecksumsAgree(p, s, write(PeriodPlan.fullSync(s, true, false)).bpId());
        }
    }

    @Test
    void checksumEqualsTheSqlChecksumWhenEveryRowTies() throws Exception {
        Period p = new Period(Order.DESC);
        for (int i = 0; i < 500; i++) {
            p.put(i % 2 == 0 ? "t" + i : "\uD83D\uDE00" + i, 42.5, 1_000L);
        }
        PeriodSnapshot s = p.snapshot();
        assertChecksumsAgree(p, s, write(PeriodPlan.fullSync(s, true, false)).bpId());
    }

    @Test
    void checksumEqualsTheSqlChecksumForLongestMultiByteIds() throws Exception {
        Period p = new Period(Order.ASC);
        for (int i = 0; i < 200; i++) {
            String id = String.valueOf(Character.toChars(0x1F600 + i % 50)).repeat(124) + String.format("%04d", i);
            assertThat(id.codePointCount(0, id.length())).isEqualTo(128);
            p.put(id, -i * 0.125, i % 4);
        }
        assertThat(p.model).hasSize(200);
        PeriodSnapshot s = p.snapshot();
        assertChecksumsAgree(p, s, write(PeriodPlan.fullSync(s, true, false)).bpId());
    }

    @Test
    void checksumOfAnEmptyBoardPeriodIsZeroInMemoryAndInSql() throws Exception {
        Period p = new Period(Order.DESC);
        PeriodSnapshot s = p.snapshot();
        int bpId = write(PeriodPlan.fullSync(s, true, false)).bpId();
        assertThat(s.checksum()).isZero();
        assertThat(sqlChecksum(bpId)).isEqualTo("0");
    }

    @Test
    void checksumEqualsTheSqlChecksumAfterIncrementalWritesOfChangedAddedAndDeletedRows() throws Exception {
        Period p = randomPeriod(Order.DESC, 7, 1_500);
        PeriodSnapshot first = p.snapshot();
        int bpId = write(PeriodPlan.fullSync(first, true, false)).bpId();
        assertChecksumsAgree(p, first, bpId);
        Random rnd = new Random(8);
        for (int round = 0; round < 4; round++) {
            Set<String> changed = new HashSet<>();
            List<String> deleted = new ArrayList<>();
            List<String> entities = new ArrayList<>(p.model.keySet());
            for (int i = 0; i < 150; i++) {
                String e = entities.get(rnd.nextInt(entities.size()));
                if (rnd.nextInt(4) == 0) {
                    if (!changed.contains(e) && !deleted.contains(e)) {
                        p.remove(e);
                        deleted.add(e);
                    }
                } else if (!deleted.contains(e)) {
                    p.put(e, SCORES[rnd.nextInt(SCORES.length)], rnd.nextInt(5));
                    changed.add(e);
                }
            }
            for (int i = 0; i < 40; i++) {
                String added = ODD_IDS[rnd.nextInt(ODD_IDS.length)] + "+" + round + "." + i;
                p.put(added, SCORES[rnd.nextInt(SCORES.length)], -rnd.nextInt(5));
                changed.add(added);
            }
            PeriodSnapshot s = p.snapshot();
            List<Integer> upserts = new ArrayList<>();
            for (int i = 0; i < s.size(); i++) {
                if (changed.contains(s.entity(i))) {
                    upserts.add(i);
                }
            }
            PeriodResult result = write(PeriodPlan.incremental(s, upserts.stream().mapToInt(Integer::intValue).toArray(),
                    deleted.toArray(String[]::new), false));
            assertThat(result.bpId()).isEqualTo(bpId);
            assertChecksumsAgree(p, s, bpId);
        }
    }

    @Test
    void checksumsDifferWhenPostgresHoldsADifferentScoreTimeOrRow() throws Exception {
        Period p = randomPeriod(Order.ASC, 77, 300);
        PeriodSnapshot s = p.snapshot();
        int bpId = write(PeriodPlan.fullSync(s, true, false)).bpId();
        String mine = Long.toUnsignedString(s.checksum());
        assertThat(sqlChecksum(bpId)).isEqualTo(mine);
        String entity = s.entity(s.size() / 2);
        String table = SCHEMA + ".entity_score";

        execute("UPDATE " + table + " SET score = score + 0.5 WHERE bp_id = ? AND entity = ?", bpId, entity);
        assertThat(sqlChecksum(bpId)).as("a changed score").isNotEqualTo(mine);
        execute("UPDATE " + table + " SET score = ? WHERE bp_id = ? AND entity = ?", s.score(s.size() / 2), bpId, entity);
        assertThat(sqlChecksum(bpId)).isEqualTo(mine);

        execute("UPDATE " + table + " SET reached_at = reached_at - 1 WHERE bp_id = ? AND entity = ?", bpId, entity);
        assertThat(sqlChecksum(bpId)).as("a changed reach time").isNotEqualTo(mine);
        execute("UPDATE " + table + " SET reached_at = ? WHERE bp_id = ? AND entity = ?", s.reachedAt(s.size() / 2), bpId,
                entity);
        assertThat(sqlChecksum(bpId)).isEqualTo(mine);

        execute("DELETE FROM " + table + " WHERE bp_id = ? AND entity = ?", bpId, entity);
        assertThat(sqlChecksum(bpId)).as("a missing row").isNotEqualTo(mine);
    }

    @Test
    void sampleRanksEqualTheWrittenGenerationsRanksAtTheSameOrdinals() throws Exception {
        for (Order order : Order.values()) {
            Period p = new Period(order);
            Random rnd = new Random(order.ordinal() + 5);
            for (int i = 0; i < 900; i++) {
                p.put(i % 3 == 0 ? ODD_IDS[i % ODD_IDS.length] + i : "s" + i, rnd.nextInt(6) * 0.5 - 1, rnd.nextInt(3));
            }
            PeriodSnapshot s = p.snapshot();
            PeriodResult result = write(PeriodPlan.fullSync(s, true, false));
            assertThat(result.generation()).isPositive();
            List<PeriodSnapshot.Sample> samples = s.samples();
            Map<Long, RankedRow> rows = queries.sampleRanks(result.bpId(), result.generation(),
                    samples.stream().map(PeriodSnapshot.Sample::ordinalRank).toArray(Long[]::new)).await().atMost(WAIT);
            List<Row> naive = new ArrayList<>(p.model.values());
            naive.sort(naiveOrder(order));
            for (PeriodSnapshot.Sample sample : samples) {
                RankedRow r = rows.get(sample.ordinalRank());
                Row expected = naive.get(sample.position());
                assertThat(r).as("ordinal %d", sample.ordinalRank()).isNotNull();
                assertThat(new Row(r.entity(), r.score(), r.reachedAt())).isEqualTo(expected);
                assertThat(r.entity()).isEqualTo(s.entity(sample.position()));
                assertThat(r.competitionRank()).isEqualTo(sample.competitionRank());
                assertThat(r.denseRank()).isEqualTo(sample.denseRank());
            }
        }
    }

    private static Comparator<Row> naiveOrder(Order order) {
        Comparator<Row> byScore = (x, y) -> order == Order.DESC ? Double.compare(y.score(), x.score())
                : Double.compare(x.score(), y.score());
        return byScore.thenComparingLong(Row::reachedAt)
                .thenComparing(Row::entity, (a, b) -> java.util.Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray()));
    }
}
