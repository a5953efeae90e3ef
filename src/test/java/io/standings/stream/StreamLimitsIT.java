package io.standings.stream;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The per-client cap {@code standings.sse.max-subscriptions-per-client} (50, the default) on both ways a
 * stream opens (the Vert.x route and, for a percent-escaped path, the JAX-RS resource), and exact
 * release of the slots. Forwarded headers are on in this profile, so a request can also speak for another
 * client address ({@code X-Forwarded-For}), as behind a trusted proxy.
 */
@QuarkusTest
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS,
        initArgs = @ResourceArg(name = RealServices.AUTO_CREATE, value = "true"))
@TestProfile(StreamLimitsIT.Limits.class)
class StreamLimitsIT {

    public static class Limits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("standings.sse.heartbeat", "200ms",
                    "quarkus.http.proxy.proxy-address-forwarding", "true",
                    "quarkus.http.proxy.allow-x-forwarded", "true");
        }
    }

    private static final String LOCAL = "127.0.0.1";
    private static final int PER_CLIENT = 50;

    TestRun run;

    @Inject
    SubscriptionRegistry subscriptions;

    @Test
    void fiftyStreamsPerClientThenA429UntilTheyCloseAndEverySlotIsCountedBack() {
        run.send("lim/p", "{\"board\":\"lim\",\"entity\":\"p\",\"value\":1}");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                RestAssured.given().get("/api/v1/boards/lim").then().statusCode(200));
        List<SseClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < PER_CLIENT; i++) {
                // Even: the Vert.x route; odd: a percent-escaped path, which the JAX-RS resource serves.
                SseClient client = SseClient.open(url(i % 2 == 0 ? "/api/v1/boards/lim/top/stream"
                        : "/api/v1/boards/lim/entries/%70/stream"));
                open.add(client);
                assertThat(client.status()).as("stream %d", i + 1).isEqualTo(200);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> open.stream().allMatch(c -> !c.events().isEmpty()));
            assertThat(subscriptions.count(LOCAL)).isEqualTo(PER_CLIENT);

            for (String path : List.of("/api/v1/boards/lim/top/stream", "/api/v1/boards/lim/entries/p/stream",
                    "/api/v1/boards/lim/entries/%70/stream")) {
                try (SseClient refused = SseClient.open(url(path))) {
                    assertThat(refused.status()).as(path).isEqualTo(429);
                    assertThat(refused.response().headers().firstValue("Retry-After")).hasValue("5");
                    assertThat(refused.response().headers().firstValue("Content-Type")).hasValueSatisfying(
                            v -> assertThat(v).startsWith("application/problem+json"));
                    assertThat(refused.body()).contains("\"status\":429").contains("from this client (50)");
                }
            }
            assertThat(subscriptions.count(LOCAL)).as("refusals hold no slot").isEqualTo(PER_CLIENT);

            // Another client address is not limited by this one's streams.
            try (SseClient other = SseClient.open(url("/api/v1/boards/lim/top/stream"), "X-Forwarded-For", "203.0.113.9")) {
                assertThat(other.status()).isEqualTo(200);
                await().atMost(Duration.ofSeconds(10)).until(() -> subscriptions.count("203.0.113.9") == 1);
            }
            assertThat(subscriptions.count(LOCAL)).isEqualTo(PER_CLIENT);
        } finally {
            open.forEach(SseClient::close);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> subscriptions.count(LOCAL) == 0
                && subscriptions.count("203.0.113.9") == 0 && subscriptions.count() == 0);
        assertThat(subscriptions.clients()).isZero();

        try (SseClient again = SseClient.open(url("/api/v1/boards/lim/top/stream"))) {
            assertThat(again.status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> again.events().size() >= 1);
            assertThat(subscriptions.count(LOCAL)).isEqualTo(1);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> subscriptions.count() == 0);
        String metrics = RestAssured.given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("standings_sse_refused_total{limit=\"client\"} 3.0");
    }

    private static String url(String path) {
        return "http://" + LOCAL + ":" + RestAssured.port + path;
    }
}
