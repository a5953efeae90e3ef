package io.standings.http.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.standings.testing.RealServices;
import io.standings.testing.SseClient;
import io.standings.testing.TestRun;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code standings.read.require-api-key=true}: every read, REST and SSE, needs the key too. */
@QuarkusTest
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
@TestProfile(LockedReadsIT.ReadsNeedTheKey.class)
class LockedReadsIT {

    public static class ReadsNeedTheKey implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("standings.read.require-api-key", "true");
        }
    }

    private static final List<String> READS = List.of("/api/v1/boards", "/api/v1/boards/b", "/api/v1/boards/b/top",
            "/api/v1/boards/b/ranks", "/api/v1/boards/b/entries?ids=a", "/api/v1/boards/b/entries/a",
            "/api/v1/boards/b/entries/a/around", "/api/v1/boards/b/top/stream", "/api/v1/boards/b/entries/a/stream");

    @Test
    void readsWithoutTheKeyAre401AndWithAWrongOne403() {
        for (String path : READS) {
            given().get(path).then().statusCode(401).contentType("application/problem+json")
                    .header("WWW-Authenticate", containsString("Bearer"));
            given().header("X-API-Key", "nope").get(path).then().statusCode(403).contentType("application/problem+json");
        }
    }

    TestRun run;

    @Test
    void theHotReadPathAsksForTheKeyToo() {
        given().header("X-API-Key", TestRun.ADMIN_KEY).contentType("application/json").body("{}")
                .put("/api/v1/boards/hot").then().statusCode(200);
        run.send("hot/a", "{\"board\":\"hot\",\"entity\":\"a\",\"value\":5}");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().header("X-API-Key", TestRun.ADMIN_KEY)
                .get("/api/v1/boards/hot/entries/a").then().statusCode(200));
        given().header("X-API-Key", TestRun.ADMIN_KEY).get("/api/v1/boards/hot/top").then().statusCode(200);
        for (String path : List.of("/api/v1/boards/hot/entries/a", "/api/v1/boards/hot/top",
                "/api/v1/boards/hot/top/stream", "/api/v1/boards/hot/entries/a/stream")) {
            given().get(path).then().statusCode(401).contentType("application/problem+json");
            given().header("X-API-Key", "nope").get(path).then().statusCode(403);
        }
        // With the key, the stream is served by the JAX-RS resource (JaxrsEventSink).
        try (SseClient client = SseClient.open("http://localhost:" + RestAssured.port + "/api/v1/boards/hot/top/stream",
                "X-API-Key", TestRun.ADMIN_KEY)) {
            assertThat(client.status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> !client.events().isEmpty());
            assertThat(client.events().get(0).name()).isEqualTo("top");
            assertThat(client.events().get(0).id()).isEqualTo("1");
            assertThat(client.events().get(0).data()).contains("\"entity\":\"a\"");
        }
    }

    @Test
    void readsWithTheKeyAreServed() {
        given().header("X-API-Key", TestRun.ADMIN_KEY).get("/api/v1/boards").then().statusCode(200);
        given().header("Authorization", "Bearer " + TestRun.ADMIN_KEY).get("/api/v1/boards").then().statusCode(200);
        // The board does not exist: past the filter, the resource answers.
        given().header("X-API-Key", TestRun.ADMIN_KEY).get("/api/v1/boards/b/top").then().statusCode(404);
    }

    /** What docs/security.md lists as not behind the key: the operational endpoints and the live page. */
    @Test
    void operationalEndpointsAndThePageStayOpen() {
        for (String path : List.of("/q/health/live", "/q/health/ready", "/q/metrics", "/q/openapi", "/")) {
            int status = given().get(path).then().extract().statusCode();
            assertThat(status).as(path).isIn(200, 503); // readiness may still be DOWN; never 401
        }
        given().get("/q/metrics").then().statusCode(200);
        given().get("/").then().statusCode(200);
    }

    @Test
    void streamsWithTheKeyAreServed() {
        try (SseClient client = SseClient.open("http://localhost:" + RestAssured.port + "/api/v1/boards/b/top/stream",
                "X-API-Key", TestRun.ADMIN_KEY)) {
            assertThat(client.status()).as("past the filter: unknown board").isEqualTo(404);
        }
    }
}
