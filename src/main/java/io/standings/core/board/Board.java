package io.standings.core.board;

import io.standings.state.BoardRegistry;

import io.standings.core.index.Order;
import io.standings.core.index.Ranked;
import java.time.ZoneId;

/**
 * A board's definition: data, not code (stored in PostgreSQL, managed over the admin API, cached in
 * {@link BoardRegistry}).
 *
 * @param order which scores rank higher
 * @param ties which rank the API reports as {@code rank} (the ordinal rank is always reported too)
 * @param operator what an event without {@code op} does
 * @param period how the board is cut in time
 * @param timeZone the zone periods are cut in
 * @param decay exponential decay for trending boards, or null
 */
public record Board(String id, Order order, TiePolicy ties, Operation operator, Period period, ZoneId timeZone,
        Decay decay) {

    /** The rank the API reports for this entry: the one the board's tie policy names. */
    public long rankOf(Ranked r) {
        return ties.pick(r.ordinalRank(), r.competitionRank(), r.denseRank());
    }

    public enum TiePolicy {
        /** ROW_NUMBER: every entry has its own position. */
        ORDINAL,
        /** RANK: ties share a rank, the next rank skips ("1, 1, 3"). */
        COMPETITION,
        /** DENSE_RANK: ties share a rank, no gaps ("1, 1, 2"). */
        DENSE;

        /** Which of an entry's three ranks this policy reports. */
        public long pick(long ordinal, long competition, long dense) {
            return switch (this) {
                case ORDINAL -> ordinal;
                case COMPETITION -> competition;
                case DENSE -> dense;
            };
        }
    }

    /** A plain all-time board. */
    public static Board simple(String id, Order order, TiePolicy ties, Operation operator) {
        return new Board(id, order, ties, operator, Period.NONE, ZoneId.of("UTC"), null);
    }

    /** The period an event at {@code epochMillis} lands in. */
    public String periodOf(long epochMillis) {
        return period.keyOf(epochMillis, timeZone);
    }

    /**
     * The score the API shows for a stored score: the stored one, or for decaying boards the decayed value now.
     * The ingest takes no event whose decayed value is beyond a double when it is produced; a reader whose clock
     * runs behind the producers' could still meet one, and sees the largest double instead.
     */
    public double displayScore(double stored, long nowMillis) {
        return decay == null ? stored : Math.min(decay.valueAt(stored, nowMillis), Double.MAX_VALUE);
    }

    /** Whether changing this board into {@code next} would make its stored entries mean something else. */
    public boolean changesDataMeaning(Board next) {
        return order != next.order || period != next.period || !timeZone.equals(next.timeZone)
                || (decay == null ? next.decay != null : !decay.equals(next.decay));
    }
}
