package io.standings.store.postgres;

/**
 * What a checkpoint write did for one board period.
 *
 * @param generation the ranking generation readers were switched to, 0 if none
 * @param rowsWritten entity_score rows written or deleted
 * @param stageNanos time staging the snapshot (full syncs), scoresNanos writing entity_score, rankingNanos building
 *        the ranking (the last two at the same time for a full sync)
 */
public record PeriodResult(String boardPeriod, int bpId, long generation, long rowsWritten, boolean fullSync,
        long stageNanos, long scoresNanos, long rankingNanos) {

    /** Whether the board period was written: rows, or a new generation. */
    public boolean written() {
        return rowsWritten > 0 || generation > 0;
    }
}
