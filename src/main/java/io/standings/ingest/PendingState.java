package io.standings.ingest;

import io.standings.state.LiveState;
import io.standings.state.EntityScore;
import io.standings.state.BoardPeriods;
import io.standings.state.ScoreChange;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The live state as it will be once a batch whose Redis write is in flight is in memory: the state in memory
 * overlaid with that batch's changes and counts. The next batch is folded on it while Redis runs the
 * previous batch's script, and while memory may be taking that batch: every answer is the same before and
 * after it does.
 */
final class PendingState implements LiveState {

    private final LiveState base;
    /** The pending batch's change of each (board, period, entity) it changed. */
    private final Map<ChangeKey, ScoreChange> changes;
    /** Entries after the pending batch of each board period whose entries it moves; the others it leaves as they are. */
    private final Map<String, Long> entriesAfter;

    PendingState(LiveState base, BatchFolder.Folded pending) {
        this.base = base;
        this.entriesAfter = pending.entriesAfter();
        this.changes = new HashMap<>(Math.max(16, pending.changes().size() * 2));
        for (ScoreChange c : pending.changes()) {
            changes.put(new ChangeKey(c.board(), c.period(), c.entity()), c);
        }
    }

    /** Whether the pending batch changes nothing the fold reads: then the base state is as good. */
    boolean isEmpty() {
        return changes.isEmpty() && entriesAfter.isEmpty();
    }

    @Override
    public EntityScore current(String board, String period, String entity) {
        ScoreChange change = changes.get(new ChangeKey(board, period, entity));
        if (change == null) {
            return base.current(board, period, entity);
        }
        return change.removed() ? null : new EntityScore(change.score(), change.reachedAt());
    }

    /**
     * Exact whether or not memory has applied the pending batch yet: a board period the batch moves is read from
     * the batch's own count, any other from memory, which the batch does not change.
     */
    @Override
    public long entries(String board, String period) {
        Long after = entriesAfter.get(board + "@" + period);
        return after != null ? after : base.entries(board, period);
    }

    @Override
    public Set<String> livePeriods(String board) {
        Set<String> periods = new HashSet<>();
        for (String bp : base.livePeriods(board)) {
            if (!entriesAfter.containsKey(bp)) {
                periods.add(bp);
            }
        }
        entriesAfter.forEach((bp, count) -> {
            if (count > 0 && BoardPeriods.isPeriodOf(bp, board)) {
                periods.add(bp);
            }
        });
        return periods;
    }
}
