package io.standings.ingest;

import io.standings.state.ScoreChange;
import java.util.List;

/**
 * What one batch changed of one input partition, for the changelog: the absolute states of the entities it
 * changed (removals as such), and the offset of the partition's last record the batch applied; or, when
 * {@code republished}, the states Redis holds now of what the partition's last batch changed, at the partition's
 * floor (a new owner's republish), which may reach past the floor up to {@code heldUpTo} (a batch cut off between
 * two board periods).
 */
public record PartitionStates(int partition, long position, List<ScoreChange> states, boolean republished, long heldUpTo) {

    public PartitionStates(int partition, long position, List<ScoreChange> states) {
        this(partition, position, states, false, position);
    }
}
