package io.standings.lifecycle;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.standings.core.index.Order;
import io.standings.testing.IncrementStream;
import io.standings.testing.LiveStateAssertions;
import io.standings.testing.RealServices;
import io.standings.testing.ReferenceBoard;
import io.standings.testing.TestRun;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Invariant 2 for PostgreSQL: the reconciled ranking equals ranks recomputed independently from the
 * events (ROW_NUMBER / RANK / DENSE_RANK semantics, ties included) for boards of both orders; readers
 * never see a mixed generation; a period roll-over freezes the closed period.
 */
@QuarkusTest
@TestProfile(ManualReconcileProfile.class)
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReconcileMatchesReferenceIT {

    TestRun run;

    @Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    /** A run's statements are cancelled by PostgreSQL soon after their instance dies (application.properties). */
    @Test
    void connectionsAskPostgresToNoticeADeadClient() {
        String setting = pool.query("SHOW client_connection_check_interval").execute().await().indefinitely()
                .iterator().next().getString(0);
        assertThat(setting).isEqualTo("1s");
    }

    @Inject
    Reconciler reconciler;

    private static int produced; // one instance per test method: the count spans the class

    @Test
    @org.junit.jupiter.api.Order(1)
    void reconciledRankingMatchesTheReferenceForBothOrders() throws Exception {
        TestRun.putBoard("rdesc", "{\"order\":\"desc\",\"ties\":\"competition\",\"operator\":\"incr\"}");
        TestRun.putBoard("rasc", "{\"order\":\"asc\",\"ties\":\"dense\",\"operator\":\"best\"}");
        Map<String, ReferenceBoard> reference = Map.of("rdesc", new ReferenceBoard(Order.DESC), "rasc",
                new ReferenceBoard(Order.ASC));
        long seed = System.nanoTime();
        System.out.println("[reconcile-test] seed " + seed);
        Random r = new Random(seed);
        long base = Instant.parse("2026-11-21T10:00:00Z").toEpochMilli();
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 10_000; i++) {
                long ts = base + (produced + i) / 20; // shared milliseconds: ties in time
                int n = IncrementStream.zipf(r, 1500);
                // Every 7th id is multi-byte UTF-8: the snapshot packs ids as bytes, the checksum hashes them.
                String entity = (n % 7 == 0 ? "é名" : "e") + n;
                if (r.nextBoolean()) {
                    int v = 1 + r.nextInt(3);
                    reference.get("rdesc").incr(entity, v, ts);
                    send("rdesc", entity, "incr", v, ts);
                } else {
                    int v = 40 + r.nextInt(20); // few distinct values: many ties in score
                    reference.get("rasc").best(entity, v, ts);
                    send("rasc", entity, "best", v, ts);
                }
            }
            produced += 10_000;
            run.flush();
            LiveStateAssertions.awaitOffsets(run, produced, Duration.ofSeconds(120));
            Reconciler.RunReport report = reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60));
            assertThat(report.leader()).isTrue();
            assertThat(report.driftFound()).as("drift on a healthy run").isZero();
            for (Map.Entry<String, ReferenceBoard> e : reference.entrySet()) {
                LiveStateAssertions.assertPostgresRankingEquals(run, e.getKey(), "all", e.getValue());
                LiveStateAssertions.assertPostgresScoresEqual(run, e.getKey(), "all", e.getValue());
            }
        }
        // Through the API, page by page with the keyset cursor: the same rows.
        List<ReferenceBoard.Row> expected = reference.get("rasc").ranked();
        List<String> paged = new ArrayList<>();
        String after = null;
        do {
            var req = given().queryParam("source", "db").queryParam("limit", 250);
            if (after != null) {
                req = req.queryParam("after", after);
            }
            JsonPath body = req.get("/api/v1/boards/rasc/ranking").then().statusCode(200).extract().jsonPath();
            List<Map<String, Object>> entries = body.getList("entries");
            for (Map<String, Object> entry : entries) {
                ReferenceBoard.Row row = expected.get(paged.size());
                assertThat(entry.get("entity")).isEqualTo(row.entity());
                assertThat(((Number) entry.get("rank")).longValue()).as("dense rank").isEqualTo(row.dense());
                assertThat(((Number) entry.get("ordinalRank")).longValue()).isEqualTo(row.ordinal());
                paged.add(row.entity());
            }
            after = body.getString("next");
        } while (after != null);
        assertThat(paged).hasSize(expected.size());
        given().queryParam("source", "redis").get("/api/v1/boards/rasc/ranking").then().statusCode(400)
                .contentType("application/problem+json");
        given().queryParam("source", "db").get("/api/v1/boards/nope/ranking").then().statusCode(404)
                .contentType("application/problem+json");
        // A run with nothing new rewrites nothing.
        Reconciler.RunReport idle = reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60));
        assertThat(idle.rewritten()).isZero();
    }

    @Test
    @org.junit.jupiter.api.Order(2)
    void readersDuringRewritesNeverSeeAMixedGeneration() throws Exception {
        TestRun.putBoard("waves", "{\"order\":\"desc\",\"ties\":\"competition\",\"operator\":\"set\"}");
        int entities = 300;
        long base = Instant.parse("2026-11-21T12:00:00Z").toEpochMilli();
        AtomicBoolean going = new AtomicBoolean(true);
        AtomicInteger checked = new AtomicInteger();
        AtomicInteger restarts = new AtomicInteger();
        Set<Long> generations = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> reconciling = CompletableFuture.runAsync(() -> {
            while (going.get()) {
                reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60));
            }
        });
        CompletableFuture<Void> reading = CompletableFuture.runAsync(() -> {
            while (going.get()) {
                try {
                    readWholeRanking(entities, generations, restarts);
                    checked.incrementAndGet();
                } catch (AssertionError e) {
                    failures.add(e.getMessage());
                } catch (RuntimeException e) {
                    // the board has no reconciled ranking yet
                }
            }
        });
        for (int wave = 1; wave <= 12; wave++) {
            for (int i = 0; i < entities; i++) {
                double v = (i * 7919L + wave * 31L) % 200; // changes every entity each wave; ties
                send("waves", "w" + i, "set", v, base + wave * 1000L + i / 10);
            }
            run.flush();
            Thread.sleep(400);
        }
        Thread.sleep(2000);
        going.set(false);
        reconciling.get();
        reading.get();
        assertThat(failures).as("mixed or inconsistent reads").isEmpty();
        assertThat(checked.get()).as("whole rankings read and checked").isGreaterThanOrEqualTo(5);
        assertThat(generations.size()).as("generations seen").isGreaterThanOrEqualTo(2);
        System.out.printf("[reconcile-test] %d consistent reads over %d generations, %d restarts%n", checked.get(),
                generations.size(), restarts.get());
        // Housekeeping: a leftover of a write that failed after its generation was built (a table nobody
        // attached, numbered past the current one) is swept by the next switch, and only the current and the
        // previous generation are kept, both attached.
        long current;
        int bpId;
        try (java.sql.Connection c = run.jdbc(); java.sql.Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery("SELECT bp_id, generation FROM ranking_current WHERE board = 'waves'")) {
            assertThat(rs.next()).isTrue();
            bpId = rs.getInt(1);
            current = rs.getLong(2);
            st.execute("CREATE TABLE ranking_" + bpId + "_" + (current + 7) + " (LIKE ranking)");
        }
        for (int i = 0; i < entities; i++) {
            send("waves", "w" + i, "set", 1000 + i, base + 99_000L);
        }
        run.flush();
        LiveStateAssertions.awaitOffsets(run, produced, Duration.ofSeconds(60));
        Reconciler.RunReport last = reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60));
        assertThat(last.rewritten()).isEqualTo(1);
        try (java.sql.Connection c = run.jdbc(); java.sql.Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery("""
                        SELECT t.relname, i.inhparent IS NOT NULL FROM pg_class t
                        LEFT JOIN pg_inherits i ON i.inhrelid = t.oid AND i.inhparent = 'ranking'::regclass
                        WHERE t.relnamespace = current_schema()::regnamespace AND t.relkind = 'r'
                            AND t.relname LIKE 'ranking\\_""" + bpId + """
                \\_%' ORDER BY 1""")) {
            List<String> tables = new ArrayList<>();
            while (rs.next()) {
                assertThat(rs.getBoolean(2)).as("%s attached", rs.getString(1)).isTrue();
                tables.add(rs.getString(1));
            }
            assertThat(tables).containsExactlyInAnyOrder("ranking_" + bpId + "_" + current,
                    "ranking_" + bpId + "_" + (current + 1));
        }
    }

    /** Pages through the current generation (50 a page) and checks it is one consistent ranking. */
    private static void readWholeRanking(int entities, Set<Long> generations, AtomicInteger restarts) {
        List<Map<String, Object>> all = new ArrayList<>();
        String after = null;
        Long generation = null;
        do {
            var req = given().queryParam("source", "db").queryParam("limit", 50);
            if (after != null) {
                req = req.queryParam("after", after);
            }
            var response = req.get("/api/v1/boards/waves/ranking");
            if (response.statusCode() == 410) {
                restarts.incrementAndGet();
                return; // the generation was dropped while paging: the client starts again
            }
            if (response.statusCode() != 200) {
                throw new IllegalStateException("status " + response.statusCode());
            }
            JsonPath body = response.jsonPath();
            long g = body.getLong("generation");
            if (generation != null) {
                assertThat(g).as("generation of every page").isEqualTo(generation);
            }
            generation = g;
            all.addAll(body.getList("entries"));
            after = body.getString("next");
        } while (after != null);
        generations.add(generation);
        if (all.size() < entities) {
            return; // an early generation, before the first wave was complete: still must be consistent
        }
        assertThat(all).hasSize(entities);
        Set<Object> seen = new HashSet<>();
        for (int i = 0; i < all.size(); i++) {
            Map<String, Object> e = all.get(i);
            assertThat(seen.add(e.get("entity"))).as("entity listed once").isTrue();
            assertThat(((Number) e.get("ordinalRank")).longValue()).isEqualTo(i + 1);
            double score = ((Number) e.get("score")).doubleValue();
            if (i > 0) {
                Map<String, Object> prev = all.get(i - 1);
                double prevScore = ((Number) prev.get("score")).doubleValue();
                assertThat(prevScore).as("desc order").isGreaterThanOrEqualTo(score);
                long competition = prevScore == score ? ((Number) prev.get("competitionRank")).longValue() : i + 1;
                long dense = ((Number) prev.get("denseRank")).longValue() + (prevScore == score ? 0 : 1);
                assertThat(((Number) e.get("competitionRank")).longValue()).isEqualTo(competition);
                assertThat(((Number) e.get("denseRank")).longValue()).isEqualTo(dense);
            }
        }
    }

    @Test
    @org.junit.jupiter.api.Order(3)
    void aPeriodRollOverFreezesTheClosedPeriod() throws Exception {
        // The board's day starts about twelve hours ago, whatever the hour of the run: yesterday is then closed
        // (past its end plus the grace) when the reconciler runs, even just after midnight UTC.
        ZoneOffset zone = ZoneOffset.ofHours(Math.max(-12, 12 - LocalTime.now(ZoneOffset.UTC).getHour()));
        TestRun.putBoard("rdaily", "{\"order\":\"desc\",\"ties\":\"dense\",\"operator\":\"incr\",\"period\":\"daily\","
                + "\"timeZone\":\"" + zone.getId() + "\"}");
        LocalDate today = LocalDate.now(zone);
        LocalDate yesterday = today.minusDays(1);
        ReferenceBoard yesterdays = new ReferenceBoard(Order.DESC);
        ReferenceBoard todays = new ReferenceBoard(Order.DESC);
        Random r = new Random(7);
        long y0 = yesterday.atTime(12, 0).toInstant(zone).toEpochMilli();
        long t0 = today.atStartOfDay().toInstant(zone).toEpochMilli() + 1000;
        for (int i = 0; i < 600; i++) {
            String entity = "d" + r.nextInt(80);
            int v = 1 + r.nextInt(4);
            if (i % 3 == 0) {
                todays.incr(entity, v, t0 + i);
                send("rdaily", entity, "incr", v, t0 + i);
            } else {
                yesterdays.incr(entity, v, y0 + i / 4);
                send("rdaily", entity, "incr", v, y0 + i / 4);
            }
        }
        run.flush();
        produced += 600;
        LiveStateAssertions.awaitOffsets(run, produced, Duration.ofSeconds(60));
        reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60));

        JsonPath periods = given().get("/api/v1/boards/rdaily/periods").then().statusCode(200).extract().jsonPath();
        assertThat(periods.getList("periods.period")).containsExactly(yesterday.toString());
        assertThat(periods.getLong("periods[0].entries")).isEqualTo(yesterdays.size());
        LiveStateAssertions.assertPostgresRankingEquals(run, "rdaily", yesterday.toString(), yesterdays);
        LiveStateAssertions.assertPostgresRankingEquals(run, "rdaily", today.toString(), todays);
        JsonPath top = given().queryParam("limit", 20).get("/api/v1/boards/rdaily/periods/{p}/top", yesterday.toString())
                .then().statusCode(200).extract().jsonPath();
        List<ReferenceBoard.Row> expected = yesterdays.ranked();
        assertThat(top.getList("entries.entity")).isEqualTo(expected.subList(0, 20).stream().map(ReferenceBoard.Row::entity).toList());
        assertThat(top.getList("entries.rank", Long.class))
                .isEqualTo(expected.subList(0, 20).stream().map(ReferenceBoard.Row::dense).toList());
        given().get("/api/v1/boards/rdaily/periods/{p}/top", today.toString()).then().statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    @org.junit.jupiter.api.Order(4)
    void theAuditFindsAndRepairsATamperedScoreOutsideTheChangedRows() throws Exception {
        long base = Instant.parse("2026-11-21T14:00:00Z").toEpochMilli();
        ReferenceBoard reference = reconciledBoard("rdrift", "x", i -> i % 37, base);
        LiveStateAssertions.assertPostgresScoresEqual(run, "rdrift", "all", reference);

        // Someone changes a row behind the reconciler's back; the next run only writes x1's change.
        tamper("rdrift", "score = score + 1000", "x7");
        setAndExpectRepair("rdrift", reference, "x1", 99, base + 1000, "tampered score found");
    }

    /**
     * A change behind the reconciler's back that neither the counts nor the sampled ranks show (one entity's time,
     * off the sampled positions, its place unchanged): only the full checksum finds it, here in the next run that
     * writes the board period incrementally (ManualReconcileProfile: checksum interval 0, every such run).
     */
    @Test
    @org.junit.jupiter.api.Order(5)
    void theChecksumFindsATamperedRowThatNoSampleShows() throws Exception {
        long base = Instant.parse("2026-11-21T16:00:00Z").toEpochMilli();
        ReferenceBoard reference = reconciledBoard("rsum", "s", i -> i, base);

        // s189 is at position 10 of 200 (distinct scores): not a sampled one (0, 1, n/7, n/3, n/2, 2n/3, n-2, n-1).
        tamper("rsum", "reached_at = reached_at + 1", "s189");
        // The next run writes s0's change only, and s0 stays last: counts and every sampled rank still agree.
        setAndExpectRepair("rsum", reference, "s0", 0.5, base + 1000, "tampered time found by the checksum");
    }

    /** A new board of 200 entities ({@code prefix} + i, score {@code score(i)}), reconciled with no drift found. */
    private ReferenceBoard reconciledBoard(String board, String prefix, java.util.function.IntToDoubleFunction score,
            long base) throws Exception {
        TestRun.putBoard(board, "{\"order\":\"desc\",\"ties\":\"competition\",\"operator\":\"set\"}");
        ReferenceBoard reference = new ReferenceBoard(Order.DESC);
        for (int i = 0; i < 200; i++) {
            reference.set(prefix + i, score.applyAsDouble(i), base + i);
            send(board, prefix + i, "set", score.applyAsDouble(i), base + i);
        }
        run.flush();
        LiveStateAssertions.awaitOffsets(run, produced, Duration.ofSeconds(60));
        assertThat(reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60)).driftFound()).isZero();
        return reference;
    }

    /** Changes one entity's entity_score row behind the reconciler's back ({@code assignment}: an SQL SET clause). */
    private void tamper(String board, String assignment, String entity) throws Exception {
        try (java.sql.Connection c = run.jdbc(); java.sql.Statement st = c.createStatement()) {
            assertThat(st.executeUpdate("UPDATE entity_score SET " + assignment + " WHERE entity = '" + entity + "' AND"
                    + " bp_id = (SELECT id FROM board_period WHERE board = '" + board + "' AND period = 'all')"))
                    .isEqualTo(1);
        }
    }

    /** Sets one entity, reconciles, and expects the run to find and repair drift: PostgreSQL equals the reference. */
    private void setAndExpectRepair(String board, ReferenceBoard reference, String entity, double value, long ts,
            String what) throws Exception {
        reference.set(entity, value, ts);
        send(board, entity, "set", value, ts);
        run.flush();
        LiveStateAssertions.awaitOffsets(run, produced, Duration.ofSeconds(60));
        Reconciler.RunReport report = reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60));
        assertThat(report.driftFound()).as(what).isGreaterThanOrEqualTo(1);
        assertThat(report.driftRepaired()).isGreaterThanOrEqualTo(1);
        LiveStateAssertions.assertPostgresScoresEqual(run, board, "all", reference);
        LiveStateAssertions.assertPostgresRankingEquals(run, board, "all", reference);
    }

    /** Sends an event stamped as produced at its own time (so an event of yesterday is in time for yesterday). */
    private void send(String board, String entity, String op, double value, long ts) {
        run.sendAsyncProducedAt(board + "/" + entity, "{\"board\":\"" + board + "\",\"entity\":\"" + entity
                + "\",\"op\":\"" + op + "\",\"value\":" + value + ",\"ts\":\"" + Instant.ofEpochMilli(ts) + "\"}", ts);
        if (!"rdesc".equals(board) && !"rasc".equals(board) && !"rdaily".equals(board)) {
            produced++;
        }
    }
}
