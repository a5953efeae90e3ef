package io.standings.lifecycle;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which board periods the drift audit checksums whole (memory against PostgreSQL, a full pass over both) in a run.
 *
 * <p>A board period needs a checksum once it was written incrementally since it was last compared whole with
 * memory: by a checksum, by a full sync (every row written from or compared with the snapshot, the others
 * deleted) or by a drift repair (a full sync). It is due when that comparison is at least the checksum interval
 * old, or was never made. A board period not written since its last comparison is never due: it costs nothing.
 *
 * <p>Per run, the due board periods go stalest first (never compared first, then by name): the stalest always, then
 * the next ones that keep the run's checksummed entries within {@link #MAX_ENTRIES_PER_RUN}, so that one run never
 * checksums every big board period at once, while many small ones do not wait a run each. An interval of 0
 * checksums every board period written incrementally in the run that wrote it, without that bound.
 *
 * <p>No clock of its own (times are epoch milliseconds passed in); not thread-safe: the reconciler's run holds it.
 */
final class ChecksumSchedule {

    /** Entries checksummed per run beyond the stalest board period (a million: ≈ 1–1.4 s of PostgreSQL). */
    static final long MAX_ENTRIES_PER_RUN = 1_000_000;

    private final long intervalMillis;
    /** When each board period was last compared whole with memory. */
    private final Map<String, Long> lastCompared = new HashMap<>();
    /** Board periods written incrementally since then. */
    private final Set<String> unchecked = new HashSet<>();

    /**
     * @throws IllegalArgumentException when the interval is negative
     */
    ChecksumSchedule(Duration interval) {
        if (interval.isNegative()) {
            throw new IllegalArgumentException("standings.reconcile.checksum-interval (STANDINGS_RECONCILE_CHECKSUM_INTERVAL)"
                    + " must be 0 (every run) or positive, got " + interval);
        }
        this.intervalMillis = interval.toMillis();
    }

    /** The board period's rows were written incrementally: they are not compared whole yet. */
    void written(String boardPeriod) {
        unchecked.add(boardPeriod);
    }

    /** The board period was compared whole with memory at {@code now} (a checksum, a full sync, a repair). */
    void compared(String boardPeriod, long now) {
        lastCompared.put(boardPeriod, now);
        unchecked.remove(boardPeriod);
    }

    /** Forgets the board periods memory no longer holds. */
    void retain(Set<String> boardPeriods) {
        lastCompared.keySet().retainAll(boardPeriods);
        unchecked.retainAll(boardPeriods);
    }

    /**
     * The board periods to checksum in a run at {@code now}, stalest first.
     *
     * @param entries each board period memory holds, with its entry count
     */
    Set<String> due(Map<String, Integer> entries, long now) {
        List<String> due = new ArrayList<>();
        for (String bp : unchecked) {
            Long last = lastCompared.get(bp);
            if (entries.containsKey(bp) && (intervalMillis == 0 || last == null || now - last >= intervalMillis)) {
                due.add(bp);
            }
        }
        due.sort(Comparator.<String>comparingLong(bp -> lastCompared.getOrDefault(bp, Long.MIN_VALUE))
                .thenComparing(Comparator.naturalOrder()));
        Set<String> chosen = new LinkedHashSet<>();
        long total = 0;
        for (String bp : due) {
            long n = entries.get(bp);
            if (chosen.isEmpty() || intervalMillis == 0 || total + n <= MAX_ENTRIES_PER_RUN) {
                chosen.add(bp);
                total += n;
            }
        }
        return chosen;
    }
}
