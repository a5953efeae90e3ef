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
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The per-client cap {@code standings.sse.max-subscriptions-per-client} (50, the default) on both ways a
 * stream opens (the Vert.x route and, for a percent-escaped path, the JAX-RS resource), and exact
 * release of the slots. Forwarded headers are on in this profile, so a request can also speak for another
 * client address ({@code X-Forwarded-For}), as behind a trusted proxy. And the stall timeout (2 s here): a
 * client that stops reading a top-1000 stream is dropped, while a reading client keeps getting every change.
 */
@QuarkusTest
@WithTestResource(value = RealServices.class, scope = TestResourceScope.RESTRICTED_TO_CLASS,
        initArgs = @ResourceArg(name = RealServices.AUTO_CREATE, value = "true"))
@TestProfile(StreamLimitsIT.Limits.class)
class StreamLimitsIT {

    public static class Limits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("standings.sse.heartbeat", "200ms", "standings.sse.stall-timeout", "2s",
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

    @Test
    void aClientThatStopsReadingATop1000StreamIsDroppedAfterTheStallTimeoutWhileAReaderKeepsUp() throws Exception {
        // 1000 entries with long ids: each top-1000 event is ~150 KB, far over the 16 KiB write-queue bound.
        List<Map.Entry<String, String>> seed = new ArrayList<>();
        String pad = "x".repeat(100);
        for (int i = 0; i < 1000; i++) {
            String entity = pad + i;
            seed.add(Map.entry("stall/" + entity, "{\"board\":\"stall\",\"entity\":\"" + entity + "\",\"value\":" + i + "}"));
        }
        run.sendAll(seed);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> RestAssured.given().get("/api/v1/boards/stall")
                .then().statusCode(200).body("entries", org.hamcrest.Matchers.equalTo(1000)));
        await().atMost(Duration.ofSeconds(10)).until(() -> subscriptions.count() == 0);
        double droppedBefore = stalledClosed();
        String path = "/api/v1/boards/stall/top/stream?limit=1000";
        // One stalled client on the Vert.x route, one on the JAX-RS resource (a percent-escaped path).
        try (SseClient reader = SseClient.open(url(path)); StalledClient stalled = StalledClient.open(RestAssured.port, path);
                StalledClient stalledJaxrs = StalledClient.open(RestAssured.port, path.replace("stall", "st%61ll"))) {
            assertThat(stalled.status()).isEqualTo(200);
            assertThat(stalledJaxrs.status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> !reader.events().isEmpty());
            assertThat(subscriptions.count(LOCAL)).isEqualTo(3);
            long opened = System.nanoTime();

            // The board keeps changing; the reader sees every change while the other clients read nothing.
            int round = 0;
            while (subscriptions.count() > 1) {
                round++;
                assertThat(System.nanoTime() - opened).as("dropped within 20 s").isLessThan(Duration.ofSeconds(20).toNanos());
                changeLeader(reader, round);
            }
            long droppedAfter = System.nanoTime() - opened;
            assertThat(droppedAfter).as("not before the stall timeout").isGreaterThanOrEqualTo(Duration.ofSeconds(2).toNanos());
            assertThat(subscriptions.count(LOCAL)).isEqualTo(1);
            for (int more = 1; more <= 3; more++) {
                changeLeader(reader, round + more);
            }
            // Reset, not closed after the queued events: the server discarded what it held for the clients.
            assertThat(stalled.readUntilClosed(Duration.ofSeconds(10))).as("how the connection ended").isEqualTo("reset");
            assertThat(stalledJaxrs.readUntilClosed(Duration.ofSeconds(10))).as("how the JAX-RS one ended").isEqualTo("reset");
            assertThat(stalledClosed()).isEqualTo(droppedBefore + 2);
            System.out.printf("[stream-limits-it] stalled clients dropped after %d ms and %d changes%n",
                    droppedAfter / 1_000_000, round);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> subscriptions.count() == 0 && subscriptions.clients() == 0);
    }

    private void changeLeader(SseClient reader, int round) {
        String leader = "leader" + round;
        run.send("stall/" + leader, "{\"board\":\"stall\",\"entity\":\"" + leader + "\",\"value\":" + (10_000 + round) + "}");
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            List<SseClient.Event> events = reader.events();
            return events.get(events.size() - 1).data().startsWith("{\"board\":\"stall\",\"limit\":1000,\"total\":"
                    + (1000 + round) + ",\"entries\":[{\"entity\":\"" + leader + "\"");
        });
    }

    private static double stalledClosed() {
        String metrics = RestAssured.given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("(?m)^standings_sse_stalled_closed_total ([0-9.eE+-]+)$").matcher(metrics);
        assertThat(m.find()).as("standings_sse_stalled_closed_total on /q/metrics").isTrue();
        return Double.parseDouble(m.group(1));
    }

    /**
     * A client that sends the request, reads the response head and then nothing: a plain socket with a 4 KiB
     * receive buffer, so the server's queue for it fills after the first event.
     */
    static final class StalledClient implements AutoCloseable {
        private final Socket socket;
        private final int status;

        private StalledClient(Socket socket, int status) {
            this.socket = socket;
            this.status = status;
        }

        static StalledClient open(int port, String path) throws IOException {
            Socket socket = new Socket();
            socket.setReceiveBufferSize(4096);
            socket.connect(new InetSocketAddress(LOCAL, port), 10_000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + LOCAL + ":" + port
                    + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("connection closed in the response head: " + head);
                }
                head.write(b);
            }
            String statusLine = head.toString(StandardCharsets.US_ASCII).lines().findFirst().orElse("");
            return new StalledClient(socket, Integer.parseInt(statusLine.split(" ")[1]));
        }

        int status() {
            return status;
        }

        /**
         * Reads (and drops) whatever reaches this side until the connection ends: "reset" when the server
         * reset it, "closed" when it ended in order after everything queued was delivered, "open" when
         * neither happened in time.
         */
        String readUntilClosed(Duration within) throws IOException {
            long deadline = System.nanoTime() + within.toNanos();
            byte[] chunk = new byte[64 * 1024];
            socket.setSoTimeout(500);
            while (System.nanoTime() < deadline) {
                try {
                    if (socket.getInputStream().read(chunk) < 0) {
                        return "closed";
                    }
                } catch (SocketTimeoutException e) {
                    // nothing yet
                } catch (SocketException e) {
                    return e.getMessage() != null && e.getMessage().contains("reset") ? "reset" : e.toString();
                }
            }
            return "open";
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static String url(String path) {
        return "http://" + LOCAL + ":" + RestAssured.port + path;
    }
}
