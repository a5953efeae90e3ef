package io.standings.loadgen;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Measures freshness: the time from producing an event to Kafka (the send call) until the REST API
 * answers with its effect. Each probe sets a marker entity's score to a new value and polls
 * {@code GET /api/v1/boards/{board}/entries/{entity}} every 0.5 ms until the value shows. Run it while
 * the load generator keeps the ingest busy, to measure freshness under load.
 *
 * <pre>
 * java -cp 'target/quarkus-app/app/*:target/quarkus-app/lib/main/*' io.standings.loadgen.FreshnessProbe \
 *     http://127.0.0.1:8080 127.0.0.1:9092 standings.score-events board-0 200 [max seconds]
 * </pre>
 * Probing stops after {@code max seconds} in all (default 180), however many probes are done by then.
 * Prints one line: {@code probes=N p50_ms=… p99_ms=… max_ms=…}. A probe still not visible after 30 s
 * ends the run (the ingest is not keeping up with the load, and every later probe would wait as long):
 * it counts as slower than all others, a percentile that falls on it is printed as {@code >30000}, and
 * the line ends with {@code not_visible_after_30s=1}.
 */
public final class FreshnessProbe {

    public static void main(String[] args) throws Exception {
        String base = args[0];
        String bootstrap = args[1];
        String topic = args[2];
        String board = args[3];
        int probes = Integer.parseInt(args[4]);
        long deadline = System.nanoTime() + (args.length > 5 ? Long.parseLong(args[5]) : 180) * 1_000_000_000L;
        HttpClient http = HttpClient.newHttpClient();
        double[] millis = new double[probes];
        int measured = 0;
        boolean gaveUp = false;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.ACKS_CONFIG, "1"), new ByteArraySerializer(), new ByteArraySerializer())) {
            String entity = "freshness-probe-" + ProcessHandle.current().pid();
            URI uri = URI.create(base + "/api/v1/boards/" + board + "/entries/" + entity);
            long seed = System.currentTimeMillis() % 1_000_000_000L;
            for (int i = 0; i < probes && System.nanoTime() < deadline; i++) {
                long value = seed * 1000 + i;
                String json = "{\"board\":\"" + board + "\",\"entity\":\"" + entity + "\",\"op\":\"set\",\"value\":" + value + "}";
                String expect = "\"score\":" + (double) value;
                long start = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, (board + "/" + entity).getBytes(StandardCharsets.UTF_8),
                        json.getBytes(StandardCharsets.UTF_8)));
                while (true) {
                    HttpResponse<String> r;
                    try {
                        r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                                HttpResponse.BodyHandlers.ofString());
                    } catch (HttpTimeoutException e) {
                        r = null; // a service too busy to answer in 5 s: ask again until the probe's 30 s are up
                    }
                    if (r != null && r.statusCode() == 200 && r.body().contains(expect)) {
                        break;
                    }
                    if (System.nanoTime() - start > 30_000_000_000L) {
                        gaveUp = true;
                        break;
                    }
                    Thread.sleep(0, 500_000);
                }
                if (gaveUp) {
                    break;
                }
                millis[measured++] = (System.nanoTime() - start) / 1e6;
                Thread.sleep(20);
            }
        }
        int n = measured + (gaveUp ? 1 : 0);
        double[] sorted = Arrays.copyOf(millis, measured);
        Arrays.sort(sorted);
        System.out.printf("probes=%d p50_ms=%s p99_ms=%s max_ms=%s%s%n", n, at(sorted, n / 2),
                at(sorted, Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)), at(sorted, n - 1),
                gaveUp ? " not_visible_after_30s=1" : "");
    }

    /** The i-th smallest of the measured values, or {@code >30000} for the probe that was never seen. */
    private static String at(double[] sorted, int i) {
        return i < sorted.length ? String.format(java.util.Locale.ROOT, "%.1f", sorted[i]) : ">30000";
    }
}
