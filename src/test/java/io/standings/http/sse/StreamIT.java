package io.standings.http.sse;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.standings.testing.RealServices;
import io.standings.testing.SseClient;
import io.standings.testing.TestRun;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The SSE streams through a real HTTP client, fed by events produced to the real broker: the state at
 * once, updates, coalescing under a burst, heartbeats, ids, release on disconnect.
 */
@QuarkusTest
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS,
        initArgs = @ResourceArg(name = RealServices.AUTO_CREATE, value = "true"))
@TestProfile(StreamIT.ShortHeartbeat.class)
class StreamIT {

    public static class ShortHeartbeat implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // The stalled-client test below leaves a client unread for 40 changes: no stall timeout may cut it
            // (StreamLimitsIT tests the timeout).
            return Map.of("standings.sse.heartbeat", "300ms", "standings.sse.stall-timeout", "5m");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    TestRun run;

    @Inject
    SubscriptionRegistry subscriptions;

    @Test
    void topStreamSendsTheCurrentListAtOnceThenEveryChange() throws Exception {
        send("s-top", "a", 10);
        send("s-top", "b", 20);
        awaitEntries("s-top", 2);

        try (SseClient client = SseClient.open(url("/api/v1/boards/s-top/top/stream?limit=2"))) {
            assertThat(client.status()).isEqualTo(200);
            assertThat(client.response().headers().firstValue("Content-Type")).hasValueSatisfying(
                    v -> assertThat(v).startsWith("text/event-stream"));
            await().atMost(Duration.ofSeconds(10)).until(() -> client.events().size() >= 1);
            SseClient.Event first = client.events().get(0);
            assertThat(first.name()).isEqualTo("top");
            assertThat(first.id()).isEqualTo("1");
            assertThat(entities(first)).containsExactly("b", "a");
            JsonNode firstData = JSON.readTree(first.data());
            assertThat(firstData.get("entries").get(0).get("rank").asLong()).isEqualTo(1);
            assertThat(firstData.get("entries").get(0).get("ordinalRank").asLong()).isEqualTo(1);
            assertThat(firstData.get("entries").get(0).get("score").asDouble()).isEqualTo(20.0);
            assertThat(firstData.get("asOf").asLong()).isPositive();

            send("s-top", "c", 30);
            await().atMost(Duration.ofSeconds(30)).until(() -> client.events().size() >= 2);
            SseClient.Event second = client.events().get(1);
            assertThat(second.id()).isEqualTo("2");
            assertThat(entities(second)).containsExactly("c", "b");

            // A change below the top 2 changes nothing the stream shows: no event.
            send("s-top", "d", 1);
            awaitEntries("s-top", 4);
            Thread.sleep(300);
            assertThat(client.events()).hasSize(2);
        }
    }

    @Test
    void entryStreamSaysAbsentThenFollowsScoreAndRankIncludingBeingOvertaken() throws Exception {
        send("s-entry", "other", 5);
        awaitEntries("s-entry", 1);
        try (SseClient client = SseClient.open(url("/api/v1/boards/s-entry/entries/me/stream"))) {
            assertThat(client.status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> client.events().size() >= 1);
            JsonNode absent = JSON.readTree(client.events().get(0).data());
            assertThat(client.events().get(0).name()).isEqualTo("entry");
            assertThat(absent.get("present").asBoolean()).isFalse();
            assertThat(absent.get("entity").asText()).isEqualTo("me");

            send("s-entry", "me", 10);
            await().atMost(Duration.ofSeconds(30)).until(() -> client.events().size() >= 2);
            JsonNode present = JSON.readTree(client.events().get(1).data());
            assertThat(present.get("present").asBoolean()).isTrue();
            assertThat(present.get("score").asDouble()).isEqualTo(10.0);
            assertThat(present.get("rank").asLong()).isEqualTo(1);

            send("s-entry", "other", 50); // overtakes "me" without touching it
            await().atMost(Duration.ofSeconds(30)).until(() -> client.events().size() >= 3);
            JsonNode overtaken = JSON.readTree(client.events().get(2).data());
            assertThat(overtaken.get("score").asDouble()).isEqualTo(10.0);
            assertThat(overtaken.get("rank").asLong()).isEqualTo(2);
            assertThat(overtaken.get("ordinalRank").asLong()).isEqualTo(2);
            assertThat(client.events()).extracting(SseClient.Event::id).containsExactly("1", "2", "3");
        }
    }

    @Test
    void aBurstIsCoalescedAndTheLastPushIsTheFinalState() throws Exception {
        send("s-burst", "seed", 0);
        awaitEntries("s-burst", 1);
        try (SseClient client = SseClient.open(url("/api/v1/boards/s-burst/top/stream?limit=10"))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> client.events().size() >= 1);
            List<Map.Entry<String, String>> burst = new ArrayList<>();
            for (int i = 1; i <= 200; i++) {
                // Every event changes the top 10: each new player beats all before.
                burst.add(Map.entry("s-burst/p" + i, "{\"board\":\"s-burst\",\"entity\":\"p" + i + "\",\"value\":" + i + "}"));
            }
            long started = System.nanoTime();
            run.sendAll(burst);
            long produceMillis = (System.nanoTime() - started) / 1_000_000;
            awaitEntries("s-burst", 201);
            List<String> expected = new ArrayList<>();
            for (int i = 200; i > 190; i--) {
                expected.add("p" + i);
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(entities(client.events().get(client.events().size() - 1))).isEqualTo(expected));
            Thread.sleep(200); // nothing more may follow the final state
            List<SseClient.Event> events = client.events();
            assertThat(entities(events.get(events.size() - 1))).isEqualTo(expected);
            int pushes = events.size() - 1;
            System.out.printf("[stream-it] 200 events produced in %d ms -> %d pushes%n", produceMillis, pushes);
            assertThat(pushes).as("pushes for a burst of 200 changes").isBetween(1, 40);
            // The server starts at most one push per 50 ms; arrival times can bunch up on a busy machine, so the
            // bound is checked over the whole span of the pushes, with one push of slack for timing noise.
            long spanMillis = (events.get(events.size() - 1).receivedNanos() - events.get(1).receivedNanos()) / 1_000_000;
            assertThat(pushes).as("pushes within %d ms", spanMillis).isLessThanOrEqualTo((int) (spanMillis / 50) + 2);
            for (int i = 0; i < events.size(); i++) {
                assertThat(events.get(i).id()).isEqualTo(Integer.toString(i + 1));
            }
        }
    }

    @Test
    void aStalledClientSkipsIntermediateStatesWithoutHoldingUpOthersAndGetsTheLatest() throws Exception {
        // 1000 entries with long ids: each top-1000 event is ~150 KB, so a client that stops reading
        // fills the socket buffers after a few events.
        List<Map.Entry<String, String>> seed = new ArrayList<>();
        String pad = "x".repeat(100);
        for (int i = 0; i < 1000; i++) {
            String entity = pad + i;
            seed.add(Map.entry("s-slow/" + entity, "{\"board\":\"s-slow\",\"entity\":\"" + entity + "\",\"value\":" + i + "}"));
        }
        run.sendAll(seed);
        awaitEntries("s-slow", 1000);
        String url = url("/api/v1/boards/s-slow/top/stream?limit=1000");
        try (SseClient stalled = SseClient.openPaused(url); SseClient live = SseClient.open(url)) {
            assertThat(stalled.status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> live.events().size() >= 1);
            int rounds = 40;
            for (int round = 1; round <= rounds; round++) {
                String leader = "leader" + round;
                run.send("s-slow/" + leader, "{\"board\":\"s-slow\",\"entity\":\"" + leader + "\",\"value\":" + (10_000 + round) + "}");
                int expected = round;
                // The reading client keeps up, round after round, while the other one is stalled.
                await().atMost(Duration.ofSeconds(10)).until(() -> firstEntity(last(live)).equals("leader" + expected));
            }
            int liveEvents = live.events().size();
            stalled.resume();
            await().atMost(Duration.ofSeconds(20)).until(() -> !stalled.events().isEmpty()
                    && firstEntity(last(stalled)).equals("leader" + rounds));
            Thread.sleep(300);
            List<SseClient.Event> got = stalled.events();
            System.out.printf("[stream-it] stalled client: %d events after %d changes (reading client: %d)%n", got.size(),
                    rounds, liveEvents);
            assertThat(firstEntity(got.get(got.size() - 1))).isEqualTo("leader" + rounds);
            assertThat(got.size()).as("the stalled client skipped intermediate states").isLessThan(liveEvents);
            for (int i = 1; i < got.size(); i++) {
                assertThat(Long.parseLong(got.get(i).id())).isGreaterThan(Long.parseLong(got.get(i - 1).id()));
            }
        }
    }

    private static SseClient.Event last(SseClient client) {
        List<SseClient.Event> events = client.events();
        return events.get(events.size() - 1);
    }

    private static String firstEntity(SseClient.Event event) throws Exception {
        return JSON.readTree(event.data()).get("entries").get(0).get("entity").asText();
    }

    @Test
    void anIdleStreamGetsHeartbeatComments() {
        send("s-beat", "x", 1);
        awaitEntries("s-beat", 1);
        try (SseClient client = SseClient.open(url("/api/v1/boards/s-beat/top/stream"))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> client.comments().size() >= 3);
            assertThat(client.comments()).allMatch(c -> c.equals("heartbeat"));
            assertThat(client.events()).hasSize(1);
        }
    }

    @Test
    void disconnectingReleasesTheSubscription() {
        send("s-bye", "x", 1);
        awaitEntries("s-bye", 1);
        int before = subscriptions.count();
        SseClient first = SseClient.open(url("/api/v1/boards/s-bye/top/stream"));
        SseClient second = SseClient.open(url("/api/v1/boards/s-bye/entries/x/stream"));
        await().atMost(Duration.ofSeconds(10)).until(() -> first.events().size() >= 1 && second.events().size() >= 1);
        assertThat(subscriptions.count()).isEqualTo(before + 2);
        given().header("X-API-Key", TestRun.ADMIN_KEY).get("/api/v1/admin/stats").then().statusCode(200)
                .body("sseSubscriptions", org.hamcrest.Matchers.equalTo(before + 2));
        first.close();
        second.close();
        // The heartbeat (300 ms here) finds the closed connections at the latest.
        await().atMost(Duration.ofSeconds(10)).until(() -> subscriptions.count() == before);
    }

    @Test
    void badStreamRequestsAreProblemJson() {
        given().get("/api/v1/boards/nosuch/top/stream").then().statusCode(404).contentType("application/problem+json");
        given().get("/api/v1/boards/Bad!/top/stream").then().statusCode(400).contentType("application/problem+json");
        given().get("/api/v1/boards/s-top/top/stream?limit=abc").then().statusCode(anyOf404or400())
                .contentType("application/problem+json");
        given().get("/api/v1/boards/nosuch/entries/x/stream").then().statusCode(404)
                .contentType("application/problem+json");
    }

    private static org.hamcrest.Matcher<Integer> anyOf404or400() {
        // An unknown board is checked first (404); on a known board the bad limit is a 400.
        return org.hamcrest.Matchers.anyOf(org.hamcrest.Matchers.equalTo(400), org.hamcrest.Matchers.equalTo(404));
    }

    private void send(String board, String entity, double value) {
        run.send(board + "/" + entity, "{\"board\":\"" + board + "\",\"entity\":\"" + entity + "\",\"op\":\"set\",\"value\":"
                + value + "}");
    }

    private static void awaitEntries(String board, int count) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/api/v1/boards/{b}", board)
                .then().statusCode(200).body("entries", org.hamcrest.Matchers.equalTo(count)));
    }

    private static List<String> entities(SseClient.Event event) throws Exception {
        List<String> names = new ArrayList<>();
        JSON.readTree(event.data()).get("entries").forEach(e -> names.add(e.get("entity").asText()));
        return names;
    }

    private static String url(String path) {
        return "http://localhost:" + RestAssured.port + path;
    }
}
