package io.standings.lifecycle;

import io.standings.state.PeriodSnapshot;
import io.standings.state.QuarantineState;
import io.standings.store.redis.RedisReads;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Everything a reconciliation run copies between two batches, and what it learns about it as it goes. */
final class ReconcileSnapshot {
    /** {@code LiveBoards.epoch()} at the copy: a new one means memory was replaced, so everything is written again. */
    long epoch;
    /** The entities changed since the previous snapshot, per board period. */
    Map<String, Set<String>> changed = Map.of();
    /** The partition offsets memory reflects. */
    Map<String, Long> offsets = Map.of();
    final Map<String, PeriodSnapshot> periods = new LinkedHashMap<>();
    /** The quarantine in the same moment: its held entries go into the checkpoint with the scores. */
    QuarantineState quarantine = QuarantineState.EMPTY;
    /** Redis as read in the same window (null when it could not be read). */
    RedisReads.AuditView redis;
    /**
     * Board periods whose full checksum the audit compares this run ({@link ChecksumSchedule}); every board period's
     * counts and sampled ranks are compared anyway.
     */
    Set<String> checksums = Set.of();
    long copyNanos;

    /**
     * Whether memory and Redis can be compared: Redis was read and holds exactly the offsets memory reflects
     * (with several instances, others write partitions this memory has not seen).
     */
    boolean redisComparable() {
        return redis != null && redis.offsets().equals(offsets);
    }

    /**
     * Whether Redis's board period can be compared with memory's: the floors are memory's offsets, and the board
     * period holds no partition past what memory holds (a batch cut off between two board periods leaves one ahead
     * of the floor until the replay completes it; memory has not seen that part yet).
     */
    boolean redisComparable(io.standings.store.redis.RedisReads.PeriodView view) {
        if (!redisComparable() || view == null) {
            return false;
        }
        for (Map.Entry<String, Long> e : view.offsets().entrySet()) {
            Long held = offsets.get(e.getKey());
            if (held == null || e.getValue() > held) {
                return false;
            }
        }
        return true;
    }
}
