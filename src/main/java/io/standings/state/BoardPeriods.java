package io.standings.state;

/**
 * How a board period is named everywhere ({@code "board@period"}: memory, Redis keys, PostgreSQL, logs) and how
 * a partition is named in the offsets Standings stores ({@code "topic/partition"}). Board ids cannot contain
 * '@', so the first '@' separates board and period.
 */
public final class BoardPeriods {

    private BoardPeriods() {
    }

    public static String boardPeriod(String board, String period) {
        return board + "@" + period;
    }

    /** The board of a "board@period". */
    public static String boardOf(String boardPeriod) {
        return boardPeriod.substring(0, boardPeriod.indexOf('@'));
    }

    /** The period of a "board@period". */
    public static String periodOf(String boardPeriod) {
        return boardPeriod.substring(boardPeriod.indexOf('@') + 1);
    }

    /** Whether a "board@period" is a period of {@code board}. */
    public static boolean isPeriodOf(String boardPeriod, String board) {
        return boardPeriod.length() > board.length() && boardPeriod.charAt(board.length()) == '@'
                && boardPeriod.startsWith(board);
    }

    /** A partition's name in the stored offsets: "topic/partition". */
    public static String partition(String topic, int partition) {
        return topic + "/" + partition;
    }
}
