package io.standings.http.rest;

import io.standings.http.Problem;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.standings.testing.RealServices;
import io.standings.testing.TestRun;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The hot read path ({@link HotReads}: entry lookup and top-N on the Vert.x router, top-N answers cached
 * per index version and asOf) answers byte for byte what the JAX-RS resources answer, and its cache follows
 * every change: a batch, a quarantine (an admin change with no batch), a new limit. A percent-escape in the
 * path is never taken by the hot path, which is how these tests reach the JAX-RS resources for comparison.
 */
@QuarkusTest
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS,
        initArgs = @ResourceArg(name = RealServices.AUTO_CREATE, value = "true"))
class HotReadsIT {

    TestRun run;

    @Test
    void answersExactlyWhatTheResourcesAnswer() {
        // x and y tie at 40 (y first): competition-free board, so ordinal order decides the tie.
        send("hot", "w", 50, "2026-11-21T10:00:01Z");
        send("hot", "y", 40, "2026-11-21T10:00:02Z");
        send("hot", "x", 40, "2026-11-21T10:00:03Z");
        send("hot", "z-\u00e9\u6f22\"q", 10, "2026-11-21T10:00:04Z");
        awaitEntries("hot", 4);
        for (String entity : List.of("w", "x", "y", "z-\u00e9\u6f22\"q")) {
            String hot = body("/api/v1/boards/hot/entries/" + urlEncode(entity));
            String jaxrs = body("/api/v1/boards/h%6Ft/entries/" + urlEncode(entity));
            assertThat(hot).isEqualTo(jaxrs).contains("\"entity\":");
        }
        for (String query : List.of("", "?limit=1", "?limit=3", "?limit=1000", "?limit=0010")) {
            assertThat(body("/api/v1/boards/hot/top" + query)).isEqualTo(body("/api/v1/boards/h%6Ft/top" + query));
            assertThat(body("/api/v1/boards/hot/top" + query)).as("cached answer").isEqualTo(body("/api/v1/boards/hot/top" + query));
        }
        given().get("/api/v1/boards/hot/top").then().body("entries.entity", contains("w", "y", "x", "z-\u00e9\u6f22\"q"));
    }

    @Test
    void errorsStillComeFromTheResources() {
        send("hot2", "a", 1, "2026-11-21T10:00:01Z");
        awaitEntries("hot2", 1);
        for (String path : List.of("/api/v1/boards/hot2/entries/nobody", "/api/v1/boards/nope/entries/a",
                "/api/v1/boards/nope/top")) {
            given().get(path).then().statusCode(404).contentType(Problem.MEDIA_TYPE).body("status", equalTo(404));
        }
        for (String query : List.of("?limit=0", "?limit=1001", "?limit=-1", "?limit=abc", "?limit=99999999999")) {
            given().urlEncodingEnabled(false).get("/api/v1/boards/hot2/top" + query).then().statusCode(400)
                    .contentType(Problem.MEDIA_TYPE).body("detail", equalTo("limit must be an integer from 1 to 1000"));
        }
        // Odd but legal: whatever the resource makes of them, the hot path makes the same.
        for (String query : List.of("?limit=", "?limit", "?limit=2&limit=abc", "?limit=abc&limit=2", "?limit=%32")) {
            Response hot = given().urlEncodingEnabled(false).get("/api/v1/boards/hot2/top" + query);
            Response jaxrs = given().urlEncodingEnabled(false).get("/api/v1/boards/h%6Ft2/top" + query);
            assertThat(hot.statusCode()).as(query).isEqualTo(jaxrs.statusCode());
            assertThat(hot.asString()).as(query).isEqualTo(jaxrs.asString());
        }
        given().urlEncodingEnabled(false).get("/api/v1/boards/hot2/entries/" + "x".repeat(200)).then().statusCode(400)
                .contentType(Problem.MEDIA_TYPE);
    }

    @Test
    void theCachedTopFollowsBatchesAndAdminChanges() {
        send("hot3", "a", 30, "2026-11-21T10:00:01Z");
        send("hot3", "b", 20, "2026-11-21T10:00:02Z");
        awaitEntries("hot3", 2);
        given().get("/api/v1/boards/hot3/top?limit=2").then().body("entries.entity", contains("a", "b"));
        long asOf = given().get("/api/v1/boards/hot3/top?limit=2").jsonPath().getLong("asOf");

        send("hot3", "c", 99, "2026-11-21T10:00:03Z");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/api/v1/boards/hot3/top?limit=2")
                .then().body("entries.entity", contains("c", "a")).body("total", equalTo(3)));
        assertThat(given().get("/api/v1/boards/hot3/top?limit=2").jsonPath().getLong("asOf")).isGreaterThan(asOf);

        // A quarantine moves no offset (asOf stays): the index version must invalidate the cached answer.
        given().header("X-API-Key", TestRun.ADMIN_KEY).post("/api/v1/boards/hot3/entries/c/quarantine").then()
                .statusCode(200);
        given().get("/api/v1/boards/hot3/top?limit=2").then().body("entries.entity", contains("a", "b"))
                .body("total", equalTo(2));
        given().header("X-API-Key", TestRun.ADMIN_KEY).delete("/api/v1/boards/hot3/entries/c/quarantine").then()
                .statusCode(200);
        given().get("/api/v1/boards/hot3/top?limit=2").then().body("entries.entity", contains("c", "a"));
        given().get("/api/v1/boards/hot3/entries/c").then().statusCode(200).body("ordinalRank", equalTo(1));
    }

    private void send(String board, String entity, double value, String ts) {
        String json = "{\"board\":\"" + board + "\",\"entity\":\"" + entity.replace("\"", "\\\"") + "\",\"op\":\"set\","
                + "\"value\":" + value + ",\"ts\":\"" + ts + "\"}";
        run.send(board + "/" + entity, json);
    }

    private static void awaitEntries(String board, int entries) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/api/v1/boards/" + board).then().statusCode(200).body("entries", equalTo(entries)));
    }

    private static String body(String path) {
        Response response = given().urlEncodingEnabled(false).get(path);
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        assertThat(response.contentType()).as(path).startsWith("application/json");
        return response.asString();
    }

    private static String urlEncode(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }
}
