package io.standings.core.index;

/**
 * Ranks of consecutive entries in rank order: given the ranks of the first, each following entry's
 * ranks follow from whether its score equals the previous one. Makes listings O(log n + k).
 */
final class RankRun {
    private long ordinal;
    private long competition;
    private long dense;
    private double lastScore;
    private boolean started;

    RankRun(long firstOrdinal, long firstCompetition, long firstDense) {
        this.ordinal = firstOrdinal;
        this.competition = firstCompetition;
        this.dense = firstDense;
    }

    /** Starts a run at the top of the board. */
    static RankRun fromTop() {
        return new RankRun(1, 1, 1);
    }

    Ranked next(String entity, double score, long reachedAt) {
        advance(score);
        return new Ranked(entity, score, reachedAt, ordinal, competition, dense);
    }

    void visit(String entity, double score, long reachedAt, RankIndex.RankedVisitor visitor) {
        advance(score);
        visitor.visit(entity, score, reachedAt, ordinal, competition, dense);
    }

    void visitUtf8(byte[] id, int idOffset, int idLength, double score, long reachedAt,
            RankIndex.Utf8RankedVisitor visitor) {
        advance(score);
        visitor.visit(id, idOffset, idLength, score, reachedAt, ordinal, competition, dense);
    }

    private void advance(double score) {
        if (started) {
            ordinal++;
            if (score != lastScore) {
                competition = ordinal;
                dense++;
            }
        }
        started = true;
        lastScore = score;
    }
}
