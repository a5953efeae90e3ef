package io.standings.core.index;

/**
 * An entry with its ranks, all 1-based.
 *
 * @param ordinalRank     unique position in the full order (SQL {@code ROW_NUMBER()})
 * @param competitionRank 1 + entries with a strictly better score (SQL {@code RANK()})
 * @param denseRank       1 + distinct scores strictly better (SQL {@code DENSE_RANK()})
 */
public record Ranked(String entity, double score, long reachedAt,
                     long ordinalRank, long competitionRank, long denseRank) {

    /** Share of entries ranked strictly below this one, 0-100, from the ordinal rank. */
    public double percentile(long size) {
        return KeyChecks.percentile(ordinalRank, size);
    }
}
