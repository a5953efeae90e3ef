package io.standings.store.redis;

import io.standings.core.index.Entry;
import io.standings.core.index.Order;
import io.standings.core.index.RankKey;

/**
 * Sorted-set members and rank scores, so that Redis orders every board exactly as the index does
 * ({@link RankKey}): a member is {@link RankKey#sortableTime} of the reach time followed by the entity id's
 * UTF-8 bytes, and the rank score is the score, negated on desc boards, so that lower sorts first everywhere.
 */
public final class MemberCodec {

    private MemberCodec() {
    }

    public static String member(long reachedAt, String entity) {
        return RankKey.appendSortableTime(new StringBuilder(RankKey.sortableTimeLength() + entity.length()), reachedAt)
                .append(entity).toString();
    }

    public static long reachedAt(String member) {
        return RankKey.parseSortableTime(member);
    }

    public static String entity(String member) {
        return member.substring(RankKey.sortableTimeLength());
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
