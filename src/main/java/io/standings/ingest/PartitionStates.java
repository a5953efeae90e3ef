package io.standings.ingest;

import io.standings.state.ScoreChange;
import java.util.List;

/**
 * What one batch changed of one input partition, for the changelog: the absolute states of the entities it
 * changed (removals as such), and the offset of the partition's last record the batch applied.
 */
public record PartitionStates(int partition, long position, List<ScoreChange> states) {
}
