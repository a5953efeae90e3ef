import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/** Deletes the bench run's topics: java -cp <kafka-clients + slf4j> DeleteTopics.java <bootstrap> <topic>... */
public class DeleteTopics {
    public static void main(String[] args) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", args[0]))) {
            List<String> topics = List.of(args).subList(1, args.length);
            admin.deleteTopics(topics).all().get();
        }
    }
}
