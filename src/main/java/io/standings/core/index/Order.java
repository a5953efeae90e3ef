package io.standings.core.index;

/** Direction of a board: which scores rank higher. */
public enum Order {
    /** Higher score ranks higher (points). */
    DESC,
    /** Lower score ranks higher (lap times). */
    ASC;

    /**
     * Compares two normalized scores (finite, no {@code -0.0}) so that the better score is smaller.
     *
     * @return negative if {@code a} ranks above {@code b}, zero if they tie, positive otherwise
     */
    public int compareScores(double a, double b) {
        return this == DESC ? Double.compare(b, a) : Double.compare(a, b);
    }
}
