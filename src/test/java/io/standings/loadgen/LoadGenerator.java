package io.standings.loadgen;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces realistic score events to Kafka: entities drawn from a Zipf distribution over a population,
 * spread over boards, with a mix of operators and a share of malformed records, at a fixed rate or as
 * fast as possible, for a count or a duration. Plain Java (no Quarkus), run from the packaged service:
 *
 * <pre>
 * java -cp 'target/quarkus-app/app/*:target/quarkus-app/lib/main/*' io.standings.loadgen.LoadGenerator \
 *     --count 1000000 --boards 10 --entities 1000000 --ops set:1,incr:2,best:1 --malformed 0.01 --rate 0
 * </pre>
 *
 * {@code --unique true} gives every event its own entity (e{i}) instead of a Zipf draw: N events load
 * N entries, for benchmarks that need a board of a given size.
 *
 * It prints what it sent as one line of {@code key=value} pairs, which scripts can parse.
 */
public final class LoadGenerator {

    record Options(String bootstrap, String topic, long count, Duration duration, int boards, String boardPrefix,
            int entities, double zipfExponent, boolean unique, Map<String, Integer> ops, double malformed, long rate,
            long seed) {
    }

    public static void main(String[] args) throws Exception {
        Options o = parse(args);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrap());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "10");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(128L << 20));
        Zipf zipf = o.unique() ? null : new Zipf(o.entities(), o.zipfExponent());
        String[] opNames = o.ops().entrySet().stream().flatMap(e -> java.util.Collections.nCopies(e.getValue(), e.getKey()).stream())
                .toArray(String[]::new);
        SplittableRandom random = new SplittableRandom(o.seed());
        AtomicLong failed = new AtomicLong();
        long sent = 0;
        long malformed = 0;
        long started = System.nanoTime();
        long deadline = o.duration() == null ? Long.MAX_VALUE : started + o.duration().toNanos();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            while (sent < o.count() && System.nanoTime() < deadline) {
                if (o.rate() > 0) {
                    long due = started + sent * 1_000_000_000L / o.rate();
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                // --unique: event i is the only event of entity i, so N events make N entries (loading a board).
                String board = o.boardPrefix() + (o.unique() ? sent % o.boards() : random.nextInt(o.boards()));
                String entity = "e" + String.format("%015d", o.unique() ? sent : zipf.next(random));
                String key = board + "/" + entity;
                String value;
                if (random.nextDouble() < o.malformed()) {
                    malformed++;
                    value = malformedValue(random, board, entity);
                } else {
                    String op = opNames[random.nextInt(opNames.length)];
                    long v = op.equals("incr") ? 1 + random.nextInt(10) : random.nextInt(100_000);
                    value = "{\"id\":\"g-" + sent + "\",\"board\":\"" + board + "\",\"entity\":\"" + entity + "\",\"op\":\""
                            + op + "\",\"value\":" + v + ",\"ts\":\"" + Instant.now() + "\"}";
                }
                producer.send(new ProducerRecord<>(o.topic(), key.getBytes(StandardCharsets.UTF_8),
                        value.getBytes(StandardCharsets.UTF_8)), (m, e) -> {
                            if (e != null) {
                                failed.incrementAndGet();
                            }
                        });
                sent++;
            }
            producer.flush();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("sent=%d malformed=%d failed=%d seconds=%.3f rate=%.0f topic=%s boards=%d entities=%d%n", sent,
                malformed, failed.get(), seconds, sent / seconds, o.topic(), o.boards(), o.entities());
        if (failed.get() > 0) {
            System.exit(1);
        }
    }

    private static String malformedValue(SplittableRandom random, String board, String entity) {
        return switch (random.nextInt(4)) {
            case 0 -> "{\"board\":\"" + board + "\",\"entity\":\"" + entity + "\",\"value\":";
            case 1 -> "{\"board\":\"" + board + "\",\"entity\":\"" + entity + "\",\"value\":\"many\"}";
            case 2 -> "{\"board\":\"" + board + "\",\"entity\":\"" + entity + "\",\"value\":1e999}";
            default -> "{\"board\":\"" + board + "\",\"value\":1}";
        };
    }

    /** Zipf over [0, n): P(k) proportional to 1/(k+1)^s, by binary search in a cumulative table (8 bytes per entity). */
    static final class Zipf {
        private final double[] cumulative;

        Zipf(int n, double s) {
            cumulative = new double[n];
            double sum = 0;
            for (int k = 0; k < n; k++) {
                sum += 1.0 / Math.pow(k + 1, s);
                cumulative[k] = sum;
            }
            for (int k = 0; k < n; k++) {
                cumulative[k] /= sum;
            }
        }

        int next(SplittableRandom random) {
            int i = java.util.Arrays.binarySearch(cumulative, random.nextDouble());
            return Math.min(cumulative.length - 1, i >= 0 ? i : -i - 1);
        }
    }

    static Options parse(String[] args) {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                usage("bad argument " + args[i]);
            }
            a.put(args[i].substring(2), args[++i]);
        }
        Map<String, Integer> ops = new HashMap<>();
        for (String part : a.getOrDefault("ops", "set:1,incr:2,best:1").split(",")) {
            String[] kv = part.split(":");
            ops.put(kv[0], kv.length > 1 ? Integer.parseInt(kv[1]) : 1);
        }
        return new Options(
                a.getOrDefault("bootstrap", System.getenv().getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")),
                a.getOrDefault("topic", "standings.score-events"),
                Long.parseLong(a.getOrDefault("count", a.containsKey("duration") ? Long.toString(Long.MAX_VALUE) : "100000")),
                a.containsKey("duration") ? Duration.parse(a.get("duration")) : null,
                Integer.parseInt(a.getOrDefault("boards", "10")),
                a.getOrDefault("board-prefix", "board-"),
                Integer.parseInt(a.getOrDefault("entities", "1000000")),
                Double.parseDouble(a.getOrDefault("zipf", "1.0")),
                Boolean.parseBoolean(a.getOrDefault("unique", "false")),
                ops,
                Double.parseDouble(a.getOrDefault("malformed", "0")),
                Long.parseLong(a.getOrDefault("rate", "0")),
                Long.parseLong(a.getOrDefault("seed", "42")));
    }

    private static void usage(String problem) {
        System.err.println(problem + "\nusage: LoadGenerator [--bootstrap host:port] [--topic t] [--count n | --duration PT60S]"
                + " [--boards n] [--board-prefix p] [--entities n] [--zipf s] [--unique true] [--ops set:1,incr:2,best:1]"
                + " [--malformed 0.01] [--rate events-per-second, 0 = as fast as possible] [--seed n]");
        System.exit(2);
    }
}
