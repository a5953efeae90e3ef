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
 * Prints one line: {@code probes=N p50_ms=… p99_ms=… max_ms=…}. The first argument may list several instances,
 * comma-separated: a probe then ends when every one of them shows the value (replica lag included), the line's
 * percentiles are of that, and {@code i<k>_p50_ms}/{@code i<k>_p99_ms} give each instance's own. A probe still not visible after 30 s
 * ends the run (the ingest is not keeping up with the load, and every later probe would wait as long):
 * it counts as slower than all others, a percentile that falls on it is printed as {@code >30000}, and
 * the line ends with {@code not_visible_after_30s=1}.
 */
public final class FreshnessProbe {

    public static void main(String[] args) throws Exception {
        String[] bases = args[0].split(",");
        String bootstrap = args[1];
        String topic = args[2];
        String board = args[3];
        int probes = Integer.parseInt(args[4]);
        long deadline = System.nanoTime() + (args.length > 5 ? Long.parseLong(args[5]) : 180) * 1_000_000_000L;
        HttpClient http = HttpClient.newHttpClient();
        double[] millis = new double[probes];
        double[][] each = new double[bases.length][probes];
        int measured = 0;
        boolean gaveUp = false;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.ACKS_CONFIG, "1"), new ByteArraySerializer(), new ByteArraySerializer())) {
            String entity = "freshness-probe-" + ProcessHandle.current().pid();
            URI[] uris = new URI[bases.length];
            for (int k = 0; k < bases.length; k++) {
                uris[k] = URI.create(bases[k] + "/api/v1/boards/" + board + "/entries/" + entity);
            }
            long seed = System.currentTimeMillis() % 1_000_000_000L;
            for (int i = 0; i < probes && System.nanoTime() < deadline; i++) {
                long value = seed * 1000 + i;
                String json = "{\"board\":\"" + board + "\",\"entity\":\"" + entity + "\",\"op\":\"set\",\"value\":" + value + "}";
                String expect = "\"score\":" + (double) value;
                long start = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, (board + "/" + entity).getBytes(StandardCharsets.UTF_8),
                        json.getBytes(StandardCharsets.UTF_8)));
                int seen = 0;
                boolean[] shows = new boolean[uris.length];
                while (seen < uris.length) {
                    for (int k = 0; k < uris.length; k++) {
                        if (!shows[k] && visible(http, uris[k], expect)) {
                            shows[k] = true;
                            seen++;
                            each[k][measured] = (System.nanoTime() - start) / 1e6;
                        }
                    }
                    if (seen < uris.length && System.nanoTime() - start > 30_000_000_000L) {
                        gaveUp = true;
                        break;
                    }
                    if (seen < uris.length) {
                        Thread.sleep(0, 500_000);
                    }
                }
                if (gaveUp) {
                    break;
                }
                millis[measured++] = (System.nanoTime() - start) / 1e6;
                Thread.sleep(20);
            }
        }
        int n = measured + (gaveUp ? 1 : 0);
        StringBuilder line = new StringBuilder(String.format("probes=%d %s", n, percentiles("", millis, measured, n)));
        if (bases.length > 1) {
            for (int k = 0; k < bases.length; k++) {
                line.append(' ').append(percentiles("i" + k + "_", each[k], measured, n));
            }
        }
        System.out.println(line + (gaveUp ? " not_visible_after_30s=1" : ""));
    }

    /** Whether the instance answers the entry with the expected score (a 5 s timeout counts as not yet). */
    private static boolean visible(HttpClient http, URI uri, String expect) throws Exception {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains(expect);
        } catch (HttpTimeoutException e) {
            return false; // a service too busy to answer in 5 s: ask again until the probe's 30 s are up
        }
    }

    private static String percentiles(String prefix, double[] values, int measured, int n) {
        double[] sorted = Arrays.copyOf(values, measured);
        Arrays.sort(sorted);
        return String.format("%sp50_ms=%s %sp99_ms=%s %smax_ms=%s", prefix, at(sorted, n / 2), prefix,
                at(sorted, Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)), prefix, at(sorted, n - 1));
    }

    /** The i-th smallest of the measured values, or {@code >30000} for the probe that was never seen. */
    private static String at(double[] sorted, int i) {
        return i < sorted.length ? String.format(java.util.Locale.ROOT, "%.1f", sorted[i]) : ">30000";
    }
}
