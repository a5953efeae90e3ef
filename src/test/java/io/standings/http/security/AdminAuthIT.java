package io.standings.http.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.standings.testing.RealServices;
import io.standings.testing.TestRun;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The admin API key with the test profile's key configured; reads stay open. */
@QuarkusTest
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS,
        initArgs = @ResourceArg(name = RealServices.AUTO_CREATE, value = "true"))
class AdminAuthIT {

    private static final String STATS = "/api/v1/admin/stats";

    TestRun run;

    @Test
    void withoutAKeyIs401WithABearerChallenge() {
        given().get(STATS).then().statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", containsString("Bearer"))
                .body("status", equalTo(401)).body("title", equalTo("Unauthorized"));
        given().header("Authorization", "Bearer ").get(STATS).then().statusCode(401);
        given().header("Authorization", "Basic dGVzdDp0ZXN0").get(STATS).then().statusCode(401);
    }

    @Test
    void aWrongKeyIs403() {
        given().header("X-API-Key", "wrong").get(STATS).then().statusCode(403)
                .contentType("application/problem+json").body("status", equalTo(403));
        given().header("Authorization", "Bearer wrong").get(STATS).then().statusCode(403);
        given().header("X-API-Key", TestRun.ADMIN_KEY + "-and-more").get(STATS).then().statusCode(403);
        given().header("X-API-Key", TestRun.ADMIN_KEY.toUpperCase(java.util.Locale.ROOT)).get(STATS).then().statusCode(403);
    }

    @Test
    void theKeyAsHeaderOrBearerTokenIsAccepted() {
        run.send("auth/p1", "{\"board\":\"auth\",\"entity\":\"p1\",\"value\":1}");
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().header("X-API-Key", TestRun.ADMIN_KEY).get(STATS).then().statusCode(200)
                        .contentType("application/json")
                        .body("boards", greaterThanOrEqualTo(1))
                        .body("entries", greaterThanOrEqualTo(1))
                        .body("eventsApplied", greaterThanOrEqualTo(1.0f))
                        .body("sseSubscriptions", equalTo(0))
                        .body("asOf", greaterThanOrEqualTo(1)));
        given().header("Authorization", "Bearer " + TestRun.ADMIN_KEY).get(STATS).then().statusCode(200);
        given().header("Authorization", "bearer " + TestRun.ADMIN_KEY).get(STATS).then().statusCode(200);
    }

    @Test
    void readsAreOpenByDefault() {
        given().get("/api/v1/boards").then().statusCode(200);
    }
}
