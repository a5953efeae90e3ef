package io.standings.http.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.standings.testing.RealServices;
import io.standings.testing.TestRun;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** No admin key configured (as in prod without STANDINGS_ADMIN_API_KEY): admin is 503, reads still work. */
@QuarkusTest
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
@TestProfile(AdminDisabledIT.NoKey.class)
class AdminDisabledIT {

    public static class NoKey implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("standings.admin.api-key", " ");
        }
    }

    @Test
    void adminEndpointsAnswer503WhateverTheCredentials() {
        given().get("/api/v1/admin/stats").then().statusCode(503).contentType("application/problem+json")
                .body("detail", containsString("set STANDINGS_ADMIN_API_KEY"));
        given().header("X-API-Key", TestRun.ADMIN_KEY).get("/api/v1/admin/stats").then().statusCode(503);
        given().header("X-API-Key", " ").get("/api/v1/admin/stats").then().statusCode(503);
    }

    @Test
    void readsStayOpenWhenAdminIsDisabled() {
        given().get("/api/v1/boards").then().statusCode(200);
    }
}
