package io.standings.ingest;

import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The changelog and control topics, made to fit the score events: both compacted; the changelog with as many
 * partitions as the score-events topic (state n comes from events of partition n), the control topic with one.
 * Created when missing, the changelog grown when the score-events topic grew; never shrunk or deleted.
 */
@ApplicationScoped
public class ReplicationTopics {

    private final String bootstrap;
    private final String input;
    private final String changelog;
    private final String control;
    private final short replicationFactor;

    public ReplicationTopics(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap,
            @ConfigProperty(name = "standings.topic") String input,
            @ConfigProperty(name = "standings.changelog.topic") String changelog,
            @ConfigProperty(name = "standings.control.topic") String control,
            @ConfigProperty(name = "standings.replication.topic-replication-factor", defaultValue = "-1") short replicationFactor) {
        this.bootstrap = bootstrap;
        this.input = input;
        this.changelog = changelog;
        this.control = control;
        this.replicationFactor = replicationFactor;
    }

    public String changelog() {
        return changelog;
    }

    public String control() {
        return control;
    }

    public String input() {
        return input;
    }

    /**
     * Makes sure both topics exist and fit; returns the number of score-event partitions. Throws when Kafka does
     * not answer or the score-events topic does not exist yet (the caller retries).
     */
    public int ensure() throws ExecutionException, InterruptedException, TimeoutException {
        try (Admin admin = admin()) {
            int partitions = partitionsOf(admin, input);
            if (partitions < 0) {
                throw new IllegalStateException("the score-events topic '" + input + "' does not exist yet");
            }
            Map<String, String> compacted = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
            List<NewTopic> missing = new ArrayList<>();
            int changelogPartitions = partitionsOf(admin, changelog);
            if (changelogPartitions < 0) {
                missing.add(new NewTopic(changelog, java.util.Optional.of(partitions), java.util.Optional.of(replicationFactor))
                        .configs(compacted));
            } else if (changelogPartitions < partitions) {
                admin.createPartitions(Map.of(changelog, NewPartitions.increaseTo(partitions))).all().get(10, TimeUnit.SECONDS);
                Log.infof("Grew the changelog '%s' to %d partitions, as many as '%s'", changelog, partitions, input);
            }
            if (partitionsOf(admin, control) < 0) {
                missing.add(new NewTopic(control, java.util.Optional.of(1), java.util.Optional.of(replicationFactor))
                        .configs(compacted));
            }
            for (NewTopic topic : missing) {
                try {
                    admin.createTopics(List.of(topic)).all().get(10, TimeUnit.SECONDS);
                    Log.infof("Created the compacted topic '%s' (%d partitions)", topic.name(), topic.numPartitions());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            return partitions;
        }
    }

    /**
     * Where each partition of the control topic and of the changelog ends now; a topic not created yet has no
     * partitions here. Throws when Kafka does not answer.
     */
    public Map<TopicPartition, Long> endOffsets() throws ExecutionException, InterruptedException, TimeoutException {
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (String topic : List.of(control, changelog)) {
                for (int p = 0, n = partitionsOf(admin, topic); p < n; p++) {
                    latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
                }
            }
            Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).forEach((tp, info) -> ends.put(tp, info.offset()));
            return ends;
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.CLIENT_ID_CONFIG, "standings-topics"));
    }

    /** The topic's partition count, or -1 when it does not exist. */
    private static int partitionsOf(Admin admin, String topic)
            throws ExecutionException, InterruptedException, TimeoutException {
        try {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
            return d.partitions().size();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return -1;
            }
            throw e;
        }
    }
}
