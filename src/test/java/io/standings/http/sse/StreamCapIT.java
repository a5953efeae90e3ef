package io.standings.http.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code standings.sse.max-subscriptions}: beyond the cap a stream is a 503 with Retry-After, until one closes. */
@QuarkusTest
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS,
        initArgs = @ResourceArg(name = RealServices.AUTO_CREATE, value = "true"))
@TestProfile(StreamCapIT.TwoSubscriptions.class)
class StreamCapIT {

    public static class TwoSubscriptions implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("standings.sse.max-subscriptions", "2", "standings.sse.heartbeat", "200ms",
                    "standings.sse.retry-after", "7s");
        }
    }

    TestRun run;

    @Inject
    SubscriptionRegistry subscriptions;

    @Test
    void theSubscriptionAfterTheCapIs503WithRetryAfter() {
        run.send("cap/p", "{\"board\":\"cap\",\"entity\":\"p\",\"value\":1}");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                RestAssured.given().get("/api/v1/boards/cap").then().statusCode(200));
        String url = "http://localhost:" + RestAssured.port + "/api/v1/boards/cap/top/stream";
        try (SseClient one = SseClient.open(url); SseClient two = SseClient.open(url)) {
            assertThat(one.status()).isEqualTo(200);
            assertThat(two.status()).isEqualTo(200);
            try (SseClient three = SseClient.open(url)) {
                assertThat(three.status()).isEqualTo(503);
                assertThat(three.response().headers().firstValue("Retry-After")).hasValue("7");
                assertThat(three.response().headers().firstValue("Content-Type")).hasValueSatisfying(
                        v -> assertThat(v).startsWith("application/problem+json"));
                assertThat(three.body()).contains("\"status\":503");
            }
            one.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> subscriptions.count() == 1);
            try (SseClient again = SseClient.open(url)) {
                assertThat(again.status()).isEqualTo(200);
                await().atMost(Duration.ofSeconds(10)).until(() -> again.events().size() >= 1);
            }
        }
    }
}
