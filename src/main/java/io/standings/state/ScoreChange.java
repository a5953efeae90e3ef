package io.standings.state;


/**
 * The net effect of one batch on one entity of one board period: its new score, or its removal.
 *
 * @param score the stored score (log-space for decaying boards)
 * @param reachedAt epoch milliseconds of the event that set the current score (the tie-break)
 * @param previous the entity's state before the batch, or null when it was not on the board
 */
public record ScoreChange(String board, String period, String entity, boolean removed, double score, long reachedAt,
        EntityScore previous) {

    public static ScoreChange upsert(String board, String period, String entity, double score, long reachedAt) {
        return new ScoreChange(board, period, entity, false, score, reachedAt, null);
    }

    public static ScoreChange removal(String board, String period, String entity) {
        return new ScoreChange(board, period, entity, true, 0, 0, null);
    }

    public ScoreChange withPrevious(EntityScore before) {
        return new ScoreChange(board, period, entity, removed, score, reachedAt, before);
    }
}
