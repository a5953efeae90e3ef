import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * SSE fan-out: K subscribers of one board's top-10 stream while events are produced at R/s for D s.
 * Each event sets a new entity to the current time in ms, so the top-1 score of a push is the produce
 * time of the newest event it reflects; push delay = receive time - that score.
 * java -cp <kafka-clients + slf4j> SseFanout.java <http base> <bootstrap> <topic> <board> <K> <R> <D>
 */
public class SseFanout {
    static final int MAX = 4_000_000;
    static final long[] delays = new long[MAX];
    static final AtomicLong received = new AtomicLong();

    public static void main(String[] args) throws Exception {
        String base = args[0], bootstrap = args[1], topic = args[2], board = args[3];
        int k = Integer.parseInt(args[4]), rate = Integer.parseInt(args[5]), seconds = Integer.parseInt(args[6]);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<?>> streams = new ArrayList<>();
        AtomicLong open = new AtomicLong();
        for (int i = 0; i < k; i++) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/v1/boards/" + board + "/top/stream?limit=10"))
                    .header("Accept", "text/event-stream").build();
            streams.add(http.sendAsync(request, HttpResponse.BodyHandlers.fromLineSubscriber(new Lines(open))));
        }
        long deadline = System.currentTimeMillis() + 60_000;
        while (open.get() < k && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        System.out.printf("subscribers open: %d of %d%n", open.get(), k);
        Thread.sleep(1000);
        received.set(0);
        long produced = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                "linger.ms", 1, "acks", "1"), new ByteArraySerializer(), new ByteArraySerializer())) {
            long start = System.nanoTime();
            long end = start + seconds * 1_000_000_000L;
            while (System.nanoTime() < end) {
                long due = (System.nanoTime() - start) * rate / 1_000_000_000L;
                for (; produced < due; produced++) {
                    String entity = "e" + (produced % 10_000);
                    String value = "{\"board\":\"" + board + "\",\"entity\":\"" + entity + "\",\"op\":\"set\",\"value\":"
                            + System.currentTimeMillis() + "}";
                    producer.send(new ProducerRecord<>(topic, (board + "/" + entity).getBytes(StandardCharsets.UTF_8),
                            value.getBytes(StandardCharsets.UTF_8)));
                }
                Thread.sleep(1);
            }
            producer.flush();
        }
        Thread.sleep(2000);
        int n = (int) Math.min(received.get(), MAX);
        long[] d = Arrays.copyOf(delays, n);
        Arrays.sort(d);
        System.out.printf("subscribers=%d events=%d (%d/s for %d s) pushes received=%d (%.1f per subscriber per s)%n", k,
                produced, rate, seconds, n, n / (double) k / seconds);
        if (n > 0) {
            System.out.printf("push delay ms: p50=%d p90=%d p99=%d max=%d%n", d[n / 2], d[(int) (n * 0.9)],
                    d[Math.min(n - 1, (int) (n * 0.99))], d[n - 1]);
        }
        streams.forEach(s -> s.cancel(true));
        System.exit(0);
    }

    static final class Lines implements Flow.Subscriber<String> {
        private final AtomicLong open;
        private boolean counted;

        Lines(AtomicLong open) {
            this.open = open;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            if (!line.startsWith("data:")) {
                return;
            }
            if (!counted) {
                counted = true;
                open.incrementAndGet();
            }
            int at = line.indexOf("\"score\":");
            if (at < 0) {
                return;
            }
            int from = at + 8;
            int to = from;
            while (to < line.length() && (Character.isDigit(line.charAt(to)) || line.charAt(to) == '.' || line.charAt(to) == 'E')) {
                to++;
            }
            long produced = (long) Double.parseDouble(line.substring(from, to));
            if (produced < 1_000_000_000_000L) {
                return; // the seed entry, not a timed event
            }
            long i = received.getAndIncrement();
            if (i < MAX) {
                delays[(int) i] = System.currentTimeMillis() - produced;
            }
        }

        @Override
        public void onError(Throwable throwable) {
        }

        @Override
        public void onComplete() {
        }
    }
}
