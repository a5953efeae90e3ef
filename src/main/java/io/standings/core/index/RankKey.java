package io.standings.core.index;

import java.util.Arrays;
import java.util.Comparator;

/**
 * The one rank order of Standings, written once for every place that orders entries: memory (the index), Redis
 * (the sorted-set members), PostgreSQL (the rankings' {@code ORDER BY}) and the API's cursors.
 *
 * <p>An entry ranks before another when its score is better in the board's {@link Order}; on equal scores,
 * when it reached the score first (smaller {@code reachedAt}); on equal times, when its entity id is smaller
 * by Unicode code point — which is the order of the ids' UTF-8 bytes as unsigned values and of PostgreSQL's
 * {@code COLLATE "C"} in a UTF8 database (it differs from {@link String#compareTo} only for supplementary
 * characters). Competition and dense ranks tie on the score alone.
 *
 * <p>Redis orders members of equal rank score by their bytes, so a member is {@link #sortableTime(long)} (16
 * lowercase hex digits of {@code reachedAt ^ Long.MIN_VALUE}: byte order = signed order of the time) followed
 * by the id's UTF-8 bytes; a shorter id that is a prefix of a longer one sorts first, as here.
 */
public final class RankKey {

    private static final int TIME_DIGITS = 16;

    /** Code-point (= UTF-8 byte) order of entity ids. */
    public static final Comparator<String> ID_ORDER = RankKey::compareIds;

    private RankKey() {
    }

    /** The order of two entries: negative when the first ranks before the second. */
    public static int compare(Order order, double scoreA, long reachedA, String idA, double scoreB, long reachedB,
            String idB) {
        int c = compareBeforeIds(order, scoreA, reachedA, scoreB, reachedB);
        return c != 0 ? c : compareIds(idA, idB);
    }

    /** The order of two entries up to their ids: by score in the board's order, then who reached it first. */
    public static int compareBeforeIds(Order order, double scoreA, long reachedA, double scoreB, long reachedB) {
        int c = order.compareScores(scoreA, scoreB);
        return c != 0 ? c : Long.compare(reachedA, reachedB);
    }

    /** Entries in rank order. */
    public static Comparator<Entry> entries(Order order) {
        return (a, b) -> compare(order, a.score(), a.reachedAt(), a.entity(), b.score(), b.reachedAt(), b.entity());
    }

    /** Compares entity ids by code point (= unsigned UTF-8 bytes = {@code COLLATE "C"}). */
    public static int compareIds(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                // A surrogate (D800-DFFF) stands for a code point >= 0x10000, so it sorts after
                // every BMP char; BMP chars above the surrogate range (E000-FFFF) sort before it.
                boolean sx = Character.isSurrogate(x);
                boolean sy = Character.isSurrogate(y);
                if (sx != sy) {
                    return sx ? 1 : -1;
                }
                return Character.compare(x, y);
            }
        }
        return Integer.compare(a.length(), b.length());
    }

    /** Compares UTF-8 encoded ids as unsigned bytes: the same order as {@link #compareIds}. */
    public static int compareIdBytes(byte[] a, int aOff, int aLen, byte[] b, int bOff, int bLen) {
        return Arrays.compareUnsigned(a, aOff, aOff + aLen, b, bOff, bOff + bLen);
    }

    /** The rank order as SQL, over columns {@code score}, {@code reached_at} and {@code entity}: ROW_NUMBER's. */
    public static String sqlOrderBy(Order order) {
        return sqlScoreOrder(order) + ", reached_at, entity COLLATE \"C\"";
    }

    /** The score part alone: RANK's and DENSE_RANK's, so that ties share a rank. */
    public static String sqlScoreOrder(Order order) {
        return "score " + (order == Order.DESC ? "DESC" : "ASC");
    }

    /** 16 lowercase hex digits whose byte order is the signed order of {@code reachedAt}. */
    public static String sortableTime(long reachedAt) {
        return appendSortableTime(new StringBuilder(TIME_DIGITS), reachedAt).toString();
    }

    /** Appends {@link #sortableTime} of {@code reachedAt} to {@code sb}. */
    public static StringBuilder appendSortableTime(StringBuilder sb, long reachedAt) {
        String hex = Long.toHexString(reachedAt ^ Long.MIN_VALUE);
        for (int i = hex.length(); i < TIME_DIGITS; i++) {
            sb.append('0');
        }
        return sb.append(hex);
    }

    /** The time {@link #sortableTime} wrote at the start of {@code text}. */
    public static long parseSortableTime(String text) {
        return Long.parseUnsignedLong(text.substring(0, TIME_DIGITS), 16) ^ Long.MIN_VALUE;
    }

    /** How many characters {@link #sortableTime} writes. */
    public static int sortableTimeLength() {
        return TIME_DIGITS;
    }
}
