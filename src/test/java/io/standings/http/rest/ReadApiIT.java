package io.standings.http.rest;

import io.standings.http.Problem;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.standings.testing.RealServices;
import io.standings.testing.TestRun;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every read endpoint over a board with competition ranks (ties share a rank), fed through the real
 * broker, and every error case: problem+json 400/404, never a 5xx, whatever the parameters.
 */
@QuarkusTest
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS,
        initArgs = @ResourceArg(name = RealServices.AUTO_CREATE, value = "true"))
@TestProfile(ReadApiIT.CompetitionRanks.class)
class ReadApiIT {

    public static class CompetitionRanks implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("standings.boards.defaults.ties", "competition");
        }
    }

    TestRun run;

    @BeforeEach
    void aBoardWithATie() {
        if (given().get("/api/v1/boards/rd").statusCode() == 200
                && given().get("/api/v1/boards/rd").jsonPath().getInt("entries") == 5) {
            return;
        }
        // b and c tie at 40; b got there first, so b is ordinal 2 and c ordinal 3, both rank 2.
        send("a", 50, "2026-11-21T10:00:01Z");
        send("b", 40, "2026-11-21T10:00:02Z");
        send("c", 40, "2026-11-21T10:00:03Z");
        send("d", 30, "2026-11-21T10:00:04Z");
        send("e", 20, "2026-11-21T10:00:05Z");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/api/v1/boards/rd").then().statusCode(200).body("entries", equalTo(5)));
    }

    @Test
    void listsBoardsWithConfigAndCounts() {
        given().get("/api/v1/boards").then().statusCode(200)
                .body("boards.id", hasItem("rd"))
                .body("boards.find { it.id == 'rd' }.entries", equalTo(5))
                .body("boards.find { it.id == 'rd' }.ties", equalTo("competition"))
                .body("boards.find { it.id == 'rd' }.order", equalTo("desc"))
                .body("boards.find { it.id == 'rd' }.operator", equalTo("set"))
                .body("asOf", greaterThan(0));
    }

    @Test
    void aBoardDescribesItsOrderTiesAndEntryCount() {
        given().get("/api/v1/boards/rd").then().statusCode(200)
                .body("id", equalTo("rd")).body("order", equalTo("desc")).body("ties", equalTo("competition"))
                .body("entries", equalTo(5)).body("asOf", greaterThan(0));
    }

    @Test
    void topFollowsTheTiePolicyAndCarriesTheOrdinalRank() {
        given().get("/api/v1/boards/rd/top").then().statusCode(200)
                .body("limit", equalTo(10)).body("total", equalTo(5))
                .body("entries.entity", contains("a", "b", "c", "d", "e"))
                .body("entries.rank", contains(1, 2, 2, 4, 5))
                .body("entries.ordinalRank", contains(1, 2, 3, 4, 5))
                .body("entries.score", contains(50.0f, 40.0f, 40.0f, 30.0f, 20.0f))
                .body("asOf", greaterThan(0));
        given().get("/api/v1/boards/rd/top?limit=2").then().statusCode(200).body("entries.entity", contains("a", "b"));
        given().get("/api/v1/boards/rd/top?limit=1000").then().statusCode(200).body("entries.size()", equalTo(5));
    }

    @Test
    void entryCarriesAsOfAndTheTieRank() {
        given().get("/api/v1/boards/rd/entries/c").then().statusCode(200)
                .body("rank", equalTo(2)).body("ordinalRank", equalTo(3)).body("total", equalTo(5))
                .body("percentile", equalTo(40.0f)).body("asOf", greaterThan(0));
    }

    @Test
    void aroundGivesNeighboursAboveAndBelow() {
        given().get("/api/v1/boards/rd/entries/c/around?radius=1").then().statusCode(200)
                .body("entity", equalTo("c")).body("radius", equalTo(1))
                .body("entries.entity", contains("b", "c", "d"))
                .body("entries.rank", contains(2, 2, 4));
        given().get("/api/v1/boards/rd/entries/a/around").then().statusCode(200)
                .body("radius", equalTo(5)).body("entries.entity", contains("a", "b", "c", "d", "e"));
        given().get("/api/v1/boards/rd/entries/e/around?radius=0").then().statusCode(200)
                .body("entries.entity", contains("e"));
        given().get("/api/v1/boards/rd/entries/nobody/around").then().statusCode(404)
                .contentType(Problem.MEDIA_TYPE).body("detail", containsString("nobody"));
    }

    @Test
    void rankWindowWithANextCursor() {
        Response window = given().get("/api/v1/boards/rd/ranks?from=2&limit=2");
        window.then().statusCode(200).body("entries.entity", contains("b", "c")).body("entries.rank", contains(2, 2))
                .body("entries.ordinalRank", contains(2, 3)).body("next", notNullValue()).body("total", equalTo(5));
        String next = window.jsonPath().getString("next");
        given().queryParam("after", next).queryParam("limit", 2).get("/api/v1/boards/rd/ranks").then().statusCode(200)
                .body("entries.entity", contains("d", "e")).body("next", nullValue());
        given().get("/api/v1/boards/rd/ranks?from=5&limit=10").then().statusCode(200)
                .body("entries.entity", contains("e")).body("next", nullValue());
        given().get("/api/v1/boards/rd/ranks?from=6").then().statusCode(200)
                .body("entries", empty()).body("next", nullValue());
        given().get("/api/v1/boards/rd/ranks").then().statusCode(200).body("limit", equalTo(100))
                .body("entries.size()", equalTo(5));
    }

    @Test
    void aHugeFromIsAnEmptyWindow() {
        given().get("/api/v1/boards/rd/ranks?from=9223372036854775807&limit=1000").then().statusCode(200)
                .body("entries", empty()).body("next", nullValue());
    }

    @Test
    void asOfTellsAClientThatItsOwnWriteIsReflected() {
        long before = given().get("/api/v1/boards/rd").jsonPath().getLong("asOf");
        run.send("rd-asof/me", "{\"board\":\"rd-asof\",\"entity\":\"me\",\"value\":1}");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/api/v1/boards/rd-asof/entries/me").then().statusCode(200));
        long after = given().get("/api/v1/boards/rd-asof/entries/me").jsonPath().getLong("asOf");
        assertThat(after).isGreaterThan(before);
        for (String path : List.of("/api/v1/boards", "/api/v1/boards/rd-asof", "/api/v1/boards/rd-asof/top",
                "/api/v1/boards/rd-asof/ranks", "/api/v1/boards/rd-asof/entries?ids=me",
                "/api/v1/boards/rd-asof/entries/me/around")) {
            assertThat(given().get(path).jsonPath().getLong("asOf")).as(path).isGreaterThanOrEqualTo(after);
        }
    }

    @Test
    void keysetPagingWalksTheWholeBoardOnce() {
        List<String> seen = new ArrayList<>();
        String cursor = "";
        int pages = 0;
        do {
            Response page = given().queryParam("after", cursor).queryParam("limit", 2).get("/api/v1/boards/rd/ranks");
            page.then().statusCode(200);
            seen.addAll(page.jsonPath().getList("entries.entity", String.class));
            cursor = page.jsonPath().getString("next");
            pages++;
        } while (cursor != null && pages < 10);
        assertThat(seen).containsExactly("a", "b", "c", "d", "e");
        assertThat(pages).isEqualTo(3);
    }

    @Test
    void batchLookupOmitsAbsentIdsAndKeepsTheOrderAsked() {
        given().get("/api/v1/boards/rd/entries?ids=d,nobody,a,d").then().statusCode(200)
                .body("board", equalTo("rd"))
                .body("entries.entity", contains("d", "a"))
                .body("entries.rank", contains(4, 1))
                .body("asOf", greaterThan(0));
        given().get("/api/v1/boards/rd/entries?ids=c&ids=b").then().statusCode(200).body("entries.entity", contains("c", "b"));
        given().get("/api/v1/boards/rd/entries?ids=x,y").then().statusCode(200).body("entries", empty());
        String thousand = IntStream.range(0, 1000).mapToObj(i -> "p" + i).collect(Collectors.joining(","));
        given().queryParam("ids", thousand).get("/api/v1/boards/rd/entries").then().statusCode(200);
        given().queryParam("ids", thousand + ",one-too-many").get("/api/v1/boards/rd/entries").then().statusCode(400)
                .contentType(Problem.MEDIA_TYPE).body("detail", containsString("1000"));
        given().get("/api/v1/boards/rd/entries").then().statusCode(400).contentType(Problem.MEDIA_TYPE);
        given().get("/api/v1/boards/rd/entries?ids=").then().statusCode(400).contentType(Problem.MEDIA_TYPE);
        given().queryParam("ids", "ok," + "x".repeat(129)).get("/api/v1/boards/rd/entries").then().statusCode(400)
                .contentType(Problem.MEDIA_TYPE);
    }

    @Test
    void unknownBoardsAre404Everywhere() {
        for (String path : List.of("/api/v1/boards/nope", "/api/v1/boards/nope/top", "/api/v1/boards/nope/ranks",
                "/api/v1/boards/nope/entries?ids=a", "/api/v1/boards/nope/entries/a/around",
                "/api/v1/boards/nope/entries/a")) {
            given().get(path).then().statusCode(404).contentType(Problem.MEDIA_TYPE)
                    .body("status", equalTo(404)).body("title", equalTo("Not Found")).body("detail", containsString("nope"));
        }
    }

    @Test
    void conflictingAndMalformedPagingParametersAre400() {
        problem("/api/v1/boards/rd/ranks?from=1&after=x", "either from or after");
        problem("/api/v1/boards/rd/ranks?after=not-a-cursor", "cursor");
        // Valid base64url, wrong checksum.
        problem("/api/v1/boards/rd/ranks?after=AQAAAAAAAAAAAAAAAAAAAAAAYWJjZA", "cursor");
        problem("/api/v1/boards/rd/ranks?from=0", "from");
    }

    @Test
    void emptyNumericParametersMeanTheDefault() {
        given().get("/api/v1/boards/rd/top?limit=").then().statusCode(200).body("limit", equalTo(10));
        given().get("/api/v1/boards/rd/entries/a/around?radius=").then().statusCode(200).body("radius", equalTo(5));
        given().get("/api/v1/boards/rd/ranks?from=&limit=").then().statusCode(200).body("limit", equalTo(100))
                .body("entries.entity", contains("a", "b", "c", "d", "e"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1001", "-1", "abc", "1e3", "1.5", "99999999999999999999", "%D9%A1", "%EF%BC%95",
            "1%3BDROP%20TABLE%20x", "%27%20OR%201=1", "%20", "+", "0x10", "%00", "%E2%80%AE5", "10000000000"})
    void fuzzedLimitsAre400(String limit) {
        for (String path : List.of("/api/v1/boards/rd/top?limit=", "/api/v1/boards/rd/ranks?limit=",
                "/api/v1/boards/rd/top/stream?limit=")) {
            given().urlEncodingEnabled(false).get(path + limit).then().statusCode(400)
                    .contentType(Problem.MEDIA_TYPE).body("status", equalTo(400)).body("detail", containsString("limit"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "101", "abc", "5.0", "%F0%9F%92%A9", "99999999999999999999999"})
    void fuzzedRadiiAre400(String radius) {
        given().urlEncodingEnabled(false).get("/api/v1/boards/rd/entries/a/around?radius=" + radius).then()
                .statusCode(400).contentType(Problem.MEDIA_TYPE).body("detail", containsString("radius"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-5", "abc", "1e2", "99999999999999999999"})
    void fuzzedFromsAre400(String from) {
        given().urlEncodingEnabled(false).get("/api/v1/boards/rd/ranks?from=" + from).then()
                .statusCode(400).contentType(Problem.MEDIA_TYPE).body("detail", containsString("from"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"%00", "AAAA", "%F0%9F%92%A9", "%27%20OR%201=1--", "....", "AQ", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "AQAAAAAAAAAAAAAAAAAAAAAAYWJjZA%3D%3D", "%3Cscript%3E"})
    void fuzzedCursorsAre400(String after) {
        given().urlEncodingEnabled(false).get("/api/v1/boards/rd/ranks?after=" + after).then()
                .statusCode(400).contentType(Problem.MEDIA_TYPE).body("detail", containsString("after"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"%F0%9F%92%A9", "%27%20OR%201=1--", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "%E2%80%AE",
            "%C3%A9l%C3%A8ve", "a%0Ab", "%25", "x%20y"})
    void fuzzedEntityPathsNeverFail(String entity) {
        for (String suffix : List.of("", "/around")) {
            int status = given().urlEncodingEnabled(false).get("/api/v1/boards/rd/entries/" + entity + suffix).then()
                    .contentType(Problem.MEDIA_TYPE).extract().statusCode();
            assertThat(status).as(entity + suffix).isIn(400, 404);
        }
        int status = given().urlEncodingEnabled(false).get("/api/v1/boards/rd/entries?ids=" + entity).statusCode();
        assertThat(status).as("ids=" + entity).isIn(200, 400);
    }

    @Test
    void openApiDescribesEveryReadEndpointParameterAndError() {
        Response doc = given().get("/q/openapi?format=json");
        doc.then().statusCode(200);
        Map<String, Object> paths = doc.jsonPath().getMap("paths");
        assertThat(paths).containsKeys("/api/v1/boards", "/api/v1/boards/{board}", "/api/v1/boards/{board}/top",
                "/api/v1/boards/{board}/ranks", "/api/v1/boards/{board}/entries", "/api/v1/boards/{board}/entries/{entity}",
                "/api/v1/boards/{board}/entries/{entity}/around", "/api/v1/boards/{board}/top/stream",
                "/api/v1/boards/{board}/entries/{entity}/stream", "/api/v1/admin/stats");
        assertThat(doc.jsonPath().getList("paths.'/api/v1/boards/{board}/ranks'.get.parameters.name", String.class))
                .contains("board", "from", "after", "limit");
        assertThat(doc.jsonPath().getMap("paths.'/api/v1/boards/{board}/top'.get.responses")).containsKeys("200", "400",
                "401", "403", "404");
        assertThat(doc.jsonPath().getMap("paths.'/api/v1/boards/{board}/top/stream'.get.responses")).containsKeys("200",
                "400", "404", "503");
        assertThat(doc.jsonPath().getMap("paths.'/api/v1/admin/stats'.get.responses")).containsKeys("200", "401", "403",
                "503");
        assertThat(doc.jsonPath().getString("paths.'/api/v1/boards/{board}/top'.get.parameters.find { it.name == 'limit' }.description"))
                .contains("1-1000");
    }

    private static void problem(String path, String detail) {
        given().urlEncodingEnabled(false).get(path).then().statusCode(400).contentType(Problem.MEDIA_TYPE)
                .body("status", equalTo(400)).body("title", equalTo("Bad Request")).body("detail", containsString(detail));
    }

    private void send(String entity, double value, String ts) {
        run.send("rd/" + entity, "{\"board\":\"rd\",\"entity\":\"" + entity + "\",\"op\":\"set\",\"value\":" + value
                + ",\"ts\":\"" + ts + "\"}");
    }
}
