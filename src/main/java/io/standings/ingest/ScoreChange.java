package io.standings.ingest;

/**
 * The net effect of one batch on one entity of one board: its new score, or its removal.
 *
 * @param reachedAt epoch milliseconds of the event that set the current score (the tie-break)
 */
public record ScoreChange(String board, String entity, boolean removed, double score, long reachedAt) {

    public static ScoreChange upsert(String board, String entity, double score, long reachedAt) {
        return new ScoreChange(board, entity, false, score, reachedAt);
    }

    public static ScoreChange removal(String board, String entity) {
        return new ScoreChange(board, entity, true, 0, 0);
    }
}
