package io.standings.loadgen;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 *     http://127.0.0.1:8080 127.0.0.1:9092 standings.score-events board-0 200
 * </pre>
 * Prints one line: {@code probes=N p50_ms=… p99_ms=… max_ms=…}.
 */
public final class FreshnessProbe {

    public static void main(String[] args) throws Exception {
        String base = args[0];
        String bootstrap = args[1];
        String topic = args[2];
        String board = args[3];
        int probes = Integer.parseInt(args[4]);
        HttpClient http = HttpClient.newHttpClient();
        double[] millis = new double[probes];
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.ACKS_CONFIG, "1"), new ByteArraySerializer(), new ByteArraySerializer())) {
            String entity = "freshness-probe-" + ProcessHandle.current().pid();
            URI uri = URI.create(base + "/api/v1/boards/" + board + "/entries/" + entity);
            long seed = System.currentTimeMillis() % 1_000_000_000L;
            for (int i = 0; i < probes; i++) {
                long value = seed * 1000 + i;
                String json = "{\"board\":\"" + board + "\",\"entity\":\"" + entity + "\",\"op\":\"set\",\"value\":" + value + "}";
                String expect = "\"score\":" + (double) value;
                long start = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, (board + "/" + entity).getBytes(StandardCharsets.UTF_8),
                        json.getBytes(StandardCharsets.UTF_8)));
                while (true) {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200 && r.body().contains(expect)) {
                        break;
                    }
                    if (System.nanoTime() - start > 30_000_000_000L) {
                        throw new IllegalStateException("probe " + i + " not visible after 30 s");
                    }
                    Thread.sleep(0, 500_000);
                }
                millis[i] = (System.nanoTime() - start) / 1e6;
                Thread.sleep(20);
            }
        }
        Arrays.sort(millis);
        System.out.printf("probes=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f%n", probes, millis[probes / 2],
                millis[Math.min(probes - 1, (int) Math.ceil(probes * 0.99) - 1)], millis[probes - 1]);
    }
}
