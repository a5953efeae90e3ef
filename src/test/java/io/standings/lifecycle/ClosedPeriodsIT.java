package io.standings.lifecycle;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.standings.testing.LiveStateAssertions;
import io.standings.testing.RealServices;
import io.standings.testing.TestRun;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Closed-period semantics (docs/reconciliation.md): a period takes the events produced up to its end plus the
 * grace, however late they are read; an event produced later, or for a released period, is dead-lettered as
 * {@code period_closed}; the reconciler freezes the ranking once the grace is over, and a released period's
 * frozen ranking never changes again.
 */
@QuarkusTest
@TestProfile(ManualReconcileProfile.class)
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class ClosedPeriodsIT {

    TestRun run;

    @Inject
    Reconciler reconciler;

    @Test
    void lateEventsAreDeadLetteredAndAReleasedRankingNeverChanges() throws Exception {
        TestRun.putBoard("cp", "{\"order\":\"desc\",\"ties\":\"competition\",\"operator\":\"incr\",\"period\":\"daily\"}");
        LocalDate day = LocalDate.now(ZoneOffset.UTC).minusDays(2);
        long noon = day.atTime(12, 0).toInstant(ZoneOffset.UTC).toEpochMilli();
        long end = day.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
        long graceOver = end + Duration.ofMinutes(5).toMillis() + 1;
        long released = LocalDate.now(ZoneOffset.UTC).minusDays(10).atTime(12, 0).toInstant(ZoneOffset.UTC).toEpochMilli();

        run.sendProducedAt("cp/a", event("a", 5, noon), noon);                      // in time
        run.sendProducedAt("cp/b", event("b", 3, noon), end + 60_000);             // within the grace
        run.sendProducedAt("cp/late", event("late", 9, noon), graceOver);          // after the grace: late
        run.sendProducedAt("cp/old", event("old", 1, released), released);         // a released period
        LiveStateAssertions.awaitOffsets(run, 4, Duration.ofSeconds(60));

        reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60));
        assertThat(frozen(day)).isEqualTo(Map.of("a", 5.0, "b", 3.0));
        given().get("/api/v1/boards/cp/periods").then().statusCode(200);
        assertThat(given().get("/api/v1/boards/cp/periods").then().extract().jsonPath().getList("periods.period"))
                .containsExactly(day.toString());

        List<ConsumerRecord<byte[], byte[]>> letters = run.readDeadLetters(2, Duration.ofSeconds(30));
        List<String> reasons = new ArrayList<>();
        letters.forEach(l -> reasons.add(header(l, "dead-letter-reason") + ":" + new String(l.key(), StandardCharsets.UTF_8)));
        assertThat(reasons).containsExactlyInAnyOrder("period_closed:cp/late", "period_closed:cp/old");
        assertThat(letters).allSatisfy(l -> assertThat(header(l, "dead-letter-cause")).contains("period"));

        // Released: memory and Redis let go of it; its frozen ranking is the archive and never changes again, even
        // if an event for it reaches memory (a producer's clock, a retention changed between instances).
        run.execute("UPDATE ranking_current SET released_at = now() WHERE board = 'cp' AND period = '" + day + "'");
        run.sendProducedAt("cp/c", event("c", 50, noon), noon);
        LiveStateAssertions.awaitOffsets(run, 5, Duration.ofSeconds(60));
        reconciler.reconcileNow().await().atMost(Duration.ofSeconds(60));
        assertThat(frozen(day)).isEqualTo(Map.of("a", 5.0, "b", 3.0));
        assertThat(run.queryLong("SELECT count(*) FROM entity_score s JOIN board_period p ON p.id = s.bp_id WHERE p.board = 'cp'"
                + " AND s.entity = 'c'")).isZero();
    }

    private Map<String, Double> frozen(LocalDate day) throws Exception {
        Map<String, Double> rows = new TreeMap<>();
        try (Connection c = run.jdbc(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT r.entity, r.score FROM ranking_current cur JOIN ranking r ON r.bp_id = cur.bp_id"
                        + " AND r.generation = cur.generation WHERE cur.board = 'cp' AND cur.period = '" + day
                        + "' AND cur.closed_at IS NOT NULL")) {
            while (rs.next()) {
                rows.put(rs.getString(1), rs.getDouble(2));
            }
        }
        return rows;
    }

    private static String event(String entity, int value, long ts) {
        return "{\"board\":\"cp\",\"entity\":\"" + entity + "\",\"op\":\"incr\",\"value\":" + value + ",\"ts\":\""
                + Instant.ofEpochMilli(ts) + "\"}";
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
