package io.standings.http.rest;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.standings.testing.RealServices;
import io.standings.testing.TestRun;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The entry lookup's answers and errors: problem+json, never a stack trace, never a 5xx for bad input. */
@QuarkusTest
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class EntryResourceIT {

    TestRun run;

    @BeforeEach
    void aBoardWithOnePlayer() {
        TestRun.putBoard("rest");
        run.send("rest/p1", "{\"board\":\"rest\",\"entity\":\"p1\",\"value\":5}");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/api/v1/boards/rest/entries/p1").then().statusCode(200));
    }

    @Test
    void answersScoreRankTotalPercentileAndTime() {
        given().get("/api/v1/boards/rest/entries/p1").then()
                .statusCode(200)
                .contentType("application/json")
                .body("board", equalTo("rest"))
                .body("score", equalTo(5.0f))
                .body("rank", equalTo(1))
                .body("ordinalRank", equalTo(1))
                .body("total", equalTo(1))
                .body("percentile", equalTo(0.0f))
                .body("updatedAt", not(equalTo(null)));
    }

    @Test
    void unknownBoardIs404ProblemJson() {
        given().get("/api/v1/boards/nosuchboard/entries/p1").then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("status", equalTo(404))
                .body("title", equalTo("Not Found"))
                .body("detail", containsString("nosuchboard"));
    }

    @Test
    void unknownEntityIs404ProblemJson() {
        given().get("/api/v1/boards/rest/entries/nobody").then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("detail", containsString("nobody"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"UPPER", "-leading-dash", "with%20space", "%27%20OR%201=1%20--", "a%2Fb", "%F0%9F%92%A9",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void aMalformedBoardIdIs400(String board) {
        given().urlEncodingEnabled(false).get("/api/v1/boards/" + board + "/entries/p1").then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("detail", containsString("board id"));
    }

    @Test
    void aTooLongEntityIdIs400() {
        given().get("/api/v1/boards/rest/entries/" + "x".repeat(129)).then()
                .statusCode(400)
                .contentType("application/problem+json");
    }

    @Test
    void anUnknownPathIs404ProblemJson() {
        given().get("/api/v1/nothing-here").then()
                .statusCode(404)
                .contentType("application/problem+json");
    }
}
