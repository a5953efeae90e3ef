import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Loads one board with N entities ("player-000000"...), one "set" event each, random scores:
 * java -cp <kafka-clients + slf4j> LoadBoard.java <bootstrap> <topic> <board> <n>
 */
public class LoadBoard {
    public static void main(String[] args) throws Exception {
        String bootstrap = args[0], topic = args[1], board = args[2];
        int n = Integer.parseInt(args[3]);
        Random random = new Random(42);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                "linger.ms", 20, "batch.size", 262144, "acks", "1"), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                String entity = String.format("player-%06d", i);
                String value = "{\"board\":\"" + board + "\",\"entity\":\"" + entity + "\",\"op\":\"set\",\"value\":"
                        + random.nextInt(10_000_000) + "}";
                producer.send(new ProducerRecord<>(topic, (board + "/" + entity).getBytes(StandardCharsets.UTF_8),
                        value.getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
        System.out.println("produced " + n + " events to " + topic);
    }
}
