package io.standings.core.index;

/**
 * One entity's current value on a board.
 *
 * @param entity    entity id, 1-128 printable code points
 * @param score     finite score, {@code -0.0} normalized to {@code 0.0}
 * @param reachedAt time (any long, usually epoch millis) of the event that set the current score;
 *                  among equal scores the smaller value ranks higher
 */
public record Entry(String entity, double score, long reachedAt) {
    public Entry {
        KeyChecks.checkEntity(entity);
        score = KeyChecks.checkScore(score);
    }
}
