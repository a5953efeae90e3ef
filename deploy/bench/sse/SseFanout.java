import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * SSE fan-out: K subscribers of one board's top-10 stream while events are produced at R/s for D s.
 * Each event sets a new entity to the current time in ms, so the top-1 score of a push is the produce
 * time of the newest event it reflects; push delay = receive time - that score.
 * The subscribers are K plain sockets on one NIO selector thread that scan the raw bytes for
 * {@code "score":} (the first score of a top list is the top-1's): a load client cheap enough that the
 * server, not the client, is what gets measured.
 * java -cp <kafka-clients + slf4j> SseFanout.java <http base> <bootstrap> <topic> <board> <K> <R> <D>
 */
public class SseFanout {
    static final int MAX = 8_000_000;
    static final long[] delays = new long[MAX];
    static final AtomicLong received = new AtomicLong();
    static volatile boolean measuring;

    public static void main(String[] args) throws Exception {
        String base = args[0], bootstrap = args[1], topic = args[2], board = args[3];
        int k = Integer.parseInt(args[4]), rate = Integer.parseInt(args[5]), seconds = Integer.parseInt(args[6]);
        URI uri = URI.create(base);
        byte[] request = ("GET /api/v1/boards/" + board + "/top/stream?limit=10 HTTP/1.1\r\nHost: " + uri.getHost()
                + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        Selector selector = Selector.open();
        AtomicLong open = new AtomicLong();
        for (int i = 0; i < k; i++) {
            SocketChannel channel = SocketChannel.open(new InetSocketAddress(uri.getHost(), uri.getPort()));
            channel.write(ByteBuffer.wrap(request));
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ, new Scanner());
        }
        Thread reader = new Thread(() -> read(selector, open), "sse-reader");
        reader.setDaemon(true);
        reader.start();
        long deadline = System.currentTimeMillis() + 60_000;
        while (open.get() < k && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        System.out.printf("subscribers open: %d of %d%n", open.get(), k);
        Thread.sleep(1000);
        received.set(0);
        measuring = true;
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
        measuring = false;
        int n = (int) Math.min(received.get(), MAX);
        long[] d = Arrays.copyOf(delays, n);
        Arrays.sort(d);
        System.out.printf("subscribers=%d events=%d (%d/s for %d s) pushes received=%d (%.1f per subscriber per s)%n", k,
                produced, rate, seconds, n, n / (double) k / seconds);
        if (n > 0) {
            System.out.printf("push delay ms: p50=%d p90=%d p99=%d max=%d%n", d[n / 2], d[(int) (n * 0.9)],
                    d[Math.min(n - 1, (int) (n * 0.99))], d[n - 1]);
        }
        System.exit(0);
    }

    static void read(Selector selector, AtomicLong open) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 16);
        byte[] bytes = new byte[1 << 16];
        try {
            while (true) {
                selector.select();
                for (SelectionKey key : selector.selectedKeys()) {
                    buffer.clear();
                    int n = ((SocketChannel) key.channel()).read(buffer);
                    if (n < 0) {
                        key.cancel();
                        continue;
                    }
                    buffer.flip();
                    buffer.get(bytes, 0, n);
                    ((Scanner) key.attachment()).scan(bytes, n, open);
                }
                selector.selectedKeys().clear();
            }
        } catch (Exception e) {
            e.printStackTrace();
        }
    }

    /** Finds each event's first {@code "score":<number>} across reads; counts the subscriber open at its first event. */
    static final class Scanner {
        private static final byte[] SCORE = "\"score\":".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);
        private int matchedData;
        private int matchedScore;
        private boolean inEvent;
        private boolean counted;
        private final StringBuilder number = new StringBuilder();
        private boolean inNumber;

        void scan(byte[] b, int n, AtomicLong open) {
            for (int i = 0; i < n; i++) {
                byte c = b[i];
                if (inNumber) {
                    if (c >= '0' && c <= '9' || c == '.' || c == 'E' || c == '-') {
                        number.append((char) c);
                        continue;
                    }
                    record((long) Double.parseDouble(number.toString()));
                    number.setLength(0);
                    inNumber = false;
                    inEvent = false;
                }
                if (!inEvent) {
                    matchedData = c == DATA[matchedData] ? matchedData + 1 : (c == DATA[0] ? 1 : 0);
                    if (matchedData == DATA.length) {
                        matchedData = 0;
                        inEvent = true;
                        matchedScore = 0;
                        if (!counted) {
                            counted = true;
                            open.incrementAndGet();
                        }
                    }
                } else {
                    matchedScore = c == SCORE[matchedScore] ? matchedScore + 1 : (c == SCORE[0] ? 1 : 0);
                    if (matchedScore == SCORE.length) {
                        matchedScore = 0;
                        inNumber = true;
                    }
                }
            }
        }

        private static void record(long produced) {
            if (!measuring || produced < 1_000_000_000_000L) {
                return; // the seed entry, or before the timed run
            }
            long i = received.getAndIncrement();
            if (i < MAX) {
                delays[(int) i] = System.currentTimeMillis() - produced;
            }
        }
    }
}
