package io.standings.state;

/**
 * An entity's stored score in one board period and when it reached it (the tie-break).
 *
 * @param score the stored score (log-space on decaying boards)
 * @param reachedAt epoch milliseconds of the event that set the score
 */
public record EntityScore(double score, long reachedAt) {
}
