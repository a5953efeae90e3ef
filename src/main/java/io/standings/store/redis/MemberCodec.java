package io.standings.store.redis;

import io.standings.core.index.Entry;
import io.standings.core.index.Order;

/**
 * Encodes the tie-break into sorted-set members, so that Redis orders equal scores exactly as the index
 * does: reachedAt ascending, then entity id ascending by code point.
 *
 * <p>A member is 16 lowercase hex digits of {@code reachedAt ^ Long.MIN_VALUE} (so that unsigned, and
 * therefore byte-wise, order is signed order of reachedAt) followed by the entity id's UTF-8 bytes. Redis
 * orders equal scores by member bytes, and a shorter entity that is a prefix of a longer one sorts first,
 * as it does in the index and under PostgreSQL's {@code COLLATE "C"}.
 */
public final class MemberCodec {

    static final int TIME_DIGITS = 16;

    private MemberCodec() {
    }

    public static String member(long reachedAt, String entity) {
        String hex = Long.toHexString(reachedAt ^ Long.MIN_VALUE);
        StringBuilder sb = new StringBuilder(TIME_DIGITS + entity.length());
        for (int i = hex.length(); i < TIME_DIGITS; i++) {
            sb.append('0');
        }
        return sb.append(hex).append(entity).toString();
    }

    public static long reachedAt(String member) {
        return Long.parseUnsignedLong(member.substring(0, TIME_DIGITS), 16) ^ Long.MIN_VALUE;
    }

    public static String entity(String member) {
        return member.substring(TIME_DIGITS);
    }

    /** The sorted-set score for a stored score: lower sorts first in every board. */
    public static double rankScore(double score, Order order) {
        double rs = order == Order.DESC ? -score : score;
        return rs == 0d ? 0d : rs;
    }

    public static double score(double rankScore, Order order) {
        double s = order == Order.DESC ? -rankScore : rankScore;
        return s == 0d ? 0d : s;
    }

    /** The rank score as Redis takes it; exact: Double.toString round-trips and Redis parses with strtod. */
    public static String format(double rankScore) {
        if (rankScore == Math.rint(rankScore) && Math.abs(rankScore) < 1e15) {
            return Long.toString((long) rankScore);
        }
        return Double.toString(rankScore);
    }

    /** The value of a held (quarantined) entry: its rank score and member, as they would be in :ranks. */
    public static String heldValue(double score, long reachedAt, String entity, Order order) {
        return MemberCodec.format(MemberCodec.rankScore(score, order)) + " " + MemberCodec.member(reachedAt, entity);
    }

    public static Entry parseHeld(String value, Order order) {
        int space = value.indexOf(' ');
        String member = value.substring(space + 1);
        return new Entry(MemberCodec.entity(member), MemberCodec.score(Double.parseDouble(value.substring(0, space)), order),
                MemberCodec.reachedAt(member));
    }
}
