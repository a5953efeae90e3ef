package io.standings.ingest;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.smallrye.reactive.messaging.kafka.KafkaProducer;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * SmallRye's view of the Kafka channels, without a broker, for building a {@link PartitionTracker} in tests: the
 * score-events channel's consumer runs its polling-thread tasks at once on the consumer it is given (Kafka's
 * {@link MockConsumer}); there is no producer. {@link #assign} plays a rebalance that assigns partitions.
 */
final class MockKafkaChannels implements KafkaClientService {

    /** The channel's consumer as SmallRye hands it out; a null answer means the channel has none (yet). */
    private final Supplier<Consumer<byte[], byte[]>> consumer;

    MockKafkaChannels(Supplier<Consumer<byte[], byte[]>> consumer) {
        this.consumer = consumer;
    }

    /** Kafka assigns the partitions (log starts as given) to the consumer and the tracker is told, as in a rebalance. */
    static void assign(MockConsumer<byte[], byte[]> consumer, PartitionTracker tracker, Map<TopicPartition, Long> logStarts) {
        consumer.updateBeginningOffsets(new HashMap<>(logStarts));
        Set<TopicPartition> all = new HashSet<>(consumer.assignment());
        all.addAll(logStarts.keySet());
        consumer.assign(all);
        tracker.onPartitionsAssigned(consumer, logStarts.keySet());
    }

    @Override
    @SuppressWarnings("unchecked")
    public <K, V> KafkaConsumer<K, V> getConsumer(String channel) {
        Consumer<byte[], byte[]> polled = consumer.get();
        if (!PartitionTracker.CHANNEL.equals(channel) || polled == null) {
            return null;
        }
        return (KafkaConsumer<K, V>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {KafkaConsumer.class}, (proxy, method, args) -> {
                    if (method.getName().equals("runOnPollingThread") && args[0] instanceof Function<?, ?> task) {
                        return Uni.createFrom().item(() -> ((Function<Object, Object>) task).apply(polled));
                    }
                    switch (method.getName()) {
                        case "toString":
                            return "polling " + polled;
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "equals":
                            return proxy == args[0];
                        default:
                            break;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Override
    public <K, V> List<KafkaConsumer<K, V>> getConsumers(String channel) {
        KafkaConsumer<K, V> c = getConsumer(channel);
        return c == null ? List.of() : List.of(c);
    }

    @Override
    public <K, V> KafkaProducer<K, V> getProducer(String channel) {
        return null;
    }

    @Override
    public Set<String> getConsumerChannels() {
        return Set.of(PartitionTracker.CHANNEL);
    }

    @Override
    public Set<String> getProducerChannels() {
        return Set.of();
    }
}
