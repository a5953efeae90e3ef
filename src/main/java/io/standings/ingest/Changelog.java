package io.standings.ingest;

import io.smallrye.mutiny.Uni;
import java.util.List;

/**
 * Where the owner of a partition publishes the states each applied batch produced, for every replica
 * ({@link KafkaChangelog}; {@link ChangelogRecords} is the format). The Uni completes once the broker has every
 * record of the call; records of one partition keep their order.
 */
public interface Changelog {

    Uni<Void> publish(List<PartitionStates> batch);
}
