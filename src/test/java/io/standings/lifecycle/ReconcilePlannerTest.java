package io.standings.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.standings.core.board.Board;
import io.standings.core.board.Operation;
import io.standings.core.board.Period;
import io.standings.core.board.PeriodRules;
import io.standings.core.index.BoardIndex;
import io.standings.core.index.Order;
import io.standings.state.PeriodSnapshot;
import io.standings.store.postgres.PeriodPlan;
import io.standings.store.postgres.PeriodRanking;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * What a reconciliation writes, board period by board period: whole periods on a full sync or where PostgreSQL
 * has no ranking, exactly the changed entities otherwise, a close once per period, and nothing for a released
 * period or a board that is gone.
 */
class ReconcilePlannerTest {

    private static final PeriodRules RULES = new PeriodRules(Duration.ofHours(1), Duration.ofDays(7));

    /** A daily board cut in UTC: its period 2026-11-21 ends at 2026-11-22T00:00:00Z. */
    private static final Board DAILY = new Board("daily", Order.DESC, Board.TiePolicy.ORDINAL, Operation.INCR,
            Period.DAILY, ZoneId.of("UTC"), null);
    private static final String DAY = "2026-11-21";
    private static final long DAY_END = Instant.parse("2026-11-22T00:00:00Z").toEpochMilli();
    /** During the period: neither ended nor past its grace. */
    private static final long DURING = Instant.parse("2026-11-21T12:00:00Z").toEpochMilli();

    /** A daily board cut in Paris time: its period 2026-11-21 ends at 2026-11-21T23:00:00Z (CET is UTC+1). */
    private static final Board PARIS = new Board("paris", Order.DESC, Board.TiePolicy.ORDINAL, Operation.INCR,
            Period.DAILY, ZoneId.of("Europe/Paris"), null);
    private static final long PARIS_DAY_END = Instant.parse("2026-11-21T23:00:00Z").toEpochMilli();

    private static final Board ALL_TIME = Board.simple("ever", Order.ASC, Board.TiePolicy.DENSE, Operation.SET);

    private static final OffsetDateTime RECONCILED = OffsetDateTime.of(2026, 11, 21, 11, 0, 0, 0, ZoneOffset.UTC);

    private static final Map<String, Board> BOARDS = Map.of(DAILY.id(), DAILY, PARIS.id(), PARIS, ALL_TIME.id(), ALL_TIME);

    /**
     * daily@2026-11-21 in rank order (DESC, scores distinct): bob 9 (0), dee 7 (1), ann 5 (2), cy 1 (3).
     */
    private static PeriodSnapshot dailySnapshot() {
        BoardIndex index = new BoardIndex(Order.DESC);
        index.upsert("ann", 5, 1);
        index.upsert("bob", 9, 2);
        index.upsert("cy", 1, 3);
        index.upsert("dee", 7, 4);
        return PeriodSnapshot.copy(DAILY.id() + "@" + DAY, index);
    }

    private static PeriodSnapshot snapshot(Board board, String period, String... entities) {
        BoardIndex index = new BoardIndex(board.order());
        for (int i = 0; i < entities.length; i++) {
            index.upsert(entities[i], i, i);
        }
        return PeriodSnapshot.copy(board.id() + "@" + period, index);
    }

    private static PeriodRanking ranking(PeriodSnapshot p, OffsetDateTime closedAt, OffsetDateTime releasedAt) {
        return new PeriodRanking(p.board(), p.period(), 7, 3, p.size(), RECONCILED, closedAt, releasedAt);
    }

    private static PeriodRanking open(PeriodSnapshot p) {
        return ranking(p, null, null);
    }

    private static Map<String, PeriodRanking> rankings(PeriodRanking... rs) {
        Map<String, PeriodRanking> out = new HashMap<>();
        for (PeriodRanking r : rs) {
            out.put(r.boardPeriod(), r);
        }
        return out;
    }

    private static List<PeriodPlan> plan(List<PeriodSnapshot> periods, boolean fullSync, Map<String, Set<String>> pending,
            Map<String, PeriodRanking> rankings, long now) {
        return ReconcilePlanner.plan(periods, fullSync, pending, rankings, BOARDS::get, RULES, now);
    }

    private static void assertWhole(PeriodPlan plan, PeriodSnapshot expected, boolean noCurrent, boolean close) {
        assertThat(plan.snapshot()).isSameAs(expected);
        assertThat(plan.fullSync()).as("full sync").isTrue();
        assertThat(plan.forceRewrite()).as("force rewrite").isFalse();
        assertThat(plan.noCurrent()).as("no current ranking").isEqualTo(noCurrent);
        assertThat(plan.close()).as("close").isEqualTo(close);
        assertThat(plan.deletes()).as("deletes of a full sync (the writer deletes what the snapshot lacks)").isEmpty();
    }

    @Test
    void aFullSyncWritesEveryPeriodWholeWhateverChanged() {
        PeriodSnapshot daily = dailySnapshot();
        PeriodSnapshot ever = snapshot(ALL_TIME, Period.ALL_TIME, "x", "y");
        PeriodSnapshot paris = snapshot(PARIS, DAY, "p");

        List<PeriodPlan> plans = plan(List.of(daily, ever, paris), true, Map.of(daily.boardPeriod(), Set.of("ann")),
                rankings(open(daily), open(ever), open(paris)), DURING);

        assertThat(plans).hasSize(3);
        assertWhole(plans.get(0), daily, false, false);
        assertWhole(plans.get(1), ever, false, false);
        assertWhole(plans.get(2), paris, false, false);
    }

    @Test
    void aPeriodPostgresHasNoRankingForIsWrittenWholeAndAsNew() {
        PeriodSnapshot daily = dailySnapshot();
        PeriodSnapshot ever = snapshot(ALL_TIME, Period.ALL_TIME, "x", "y");

        List<PeriodPlan> plans = plan(List.of(daily, ever), false, Map.of(), rankings(open(ever)), DURING);

        assertThat(plans).hasSize(1);
        assertWhole(plans.get(0), daily, true, false);
    }

    @Test
    void aPeriodWithoutARankingIsNewOnAFullSyncToo() {
        PeriodSnapshot daily = dailySnapshot();
        PeriodSnapshot ever = snapshot(ALL_TIME, Period.ALL_TIME, "x");

        List<PeriodPlan> plans = plan(List.of(daily, ever), true, Map.of(), rankings(open(ever)), DURING);

        assertThat(plans).hasSize(2);
        assertWhole(plans.get(0), daily, true, false);
        assertWhole(plans.get(1), ever, false, false);
    }

    @Test
    void anIncrementalPlanHoldsExactlyThePositionsOfTheChangedEntitiesAndTheChangedOnesGone() {
        PeriodSnapshot daily = dailySnapshot(); // bob 0, dee 1, ann 2, cy 3
        Map<String, Set<String>> pending = Map.of(daily.boardPeriod(), Set.of("cy", "ann", "zed", "quit"));

        List<PeriodPlan> plans = plan(List.of(daily), false, pending, rankings(open(daily)), DURING);

        assertThat(plans).hasSize(1);
        PeriodPlan p = plans.get(0);
        assertThat(p.snapshot()).isSameAs(daily);
        assertThat(p.fullSync()).isFalse();
        assertThat(p.noCurrent()).isFalse();
        assertThat(p.forceRewrite()).isFalse();
        assertThat(p.close()).isFalse();
        assertThat(p.upserts()).containsExactlyInAnyOrder(2, 3);
        assertThat(p.deletes()).containsExactlyInAnyOrder("zed", "quit");
    }

    @Test
    void anEntityChangedOnlyInOnePeriodIsWrittenOnlyThere() {
        PeriodSnapshot daily = dailySnapshot();
        PeriodSnapshot paris = snapshot(PARIS, DAY, "ann", "bob");
        Map<String, Set<String>> pending = Map.of(daily.boardPeriod(), Set.of("ann"));

        List<PeriodPlan> plans = plan(List.of(daily, paris), false, pending, rankings(open(daily), open(paris)), DURING);

        assertThat(plans).hasSize(1);
        assertThat(plans.get(0).snapshot()).isSameAs(daily);
        assertThat(plans.get(0).upserts()).containsExactly(2);
        assertThat(plans.get(0).deletes()).isEmpty();
    }

    @Test
    void onlyDeletionsStillMakeAPlan() {
        PeriodSnapshot daily = dailySnapshot();

        List<PeriodPlan> plans = plan(List.of(daily), false, Map.of(daily.boardPeriod(), Set.of("gone")),
                rankings(open(daily)), DURING);

        assertThat(plans).hasSize(1);
        assertThat(plans.get(0).upserts()).isEmpty();
        assertThat(plans.get(0).deletes()).containsExactly("gone");
    }

    @Test
    void noChangeAndNoCloseMeansNoPlan() {
        PeriodSnapshot daily = dailySnapshot();
        PeriodSnapshot ever = snapshot(ALL_TIME, Period.ALL_TIME, "x");
        // daily has an empty pending set, ever no entry at all; the all-time board never closes
        Map<String, Set<String>> pending = Map.of(daily.boardPeriod(), Set.of());

        assertThat(plan(List.of(daily, ever), false, pending, rankings(open(daily), open(ever)), DURING)).isEmpty();
        assertThat(plan(List.of(ever), false, Map.of(), rankings(open(ever)), Long.MAX_VALUE - 1)).isEmpty();
    }

    @Test
    void aReleasedPeriodIsNeverWritten() {
        PeriodSnapshot daily = dailySnapshot();
        PeriodSnapshot ever = snapshot(ALL_TIME, Period.ALL_TIME, "x");
        OffsetDateTime closed = OffsetDateTime.of(2026, 11, 22, 1, 0, 0, 0, ZoneOffset.UTC);
        OffsetDateTime released = OffsetDateTime.of(2026, 11, 29, 1, 0, 0, 0, ZoneOffset.UTC);
        Map<String, PeriodRanking> rankings = rankings(ranking(daily, closed, released), open(ever));
        Map<String, Set<String>> pending = Map.of(daily.boardPeriod(), Set.of("ann", "gone"));
        long afterRelease = DAY_END + Duration.ofDays(8).toMillis();

        // neither a full sync nor changes nor the passing of its close bring it back
        for (boolean fullSync : new boolean[] {true, false}) {
            for (long now : new long[] {DURING, afterRelease}) {
                List<PeriodPlan> plans = plan(List.of(daily, ever), fullSync, pending, rankings, now);
                assertThat(plans).extracting(PeriodPlan::snapshot).as("fullSync=%s now=%d", fullSync, now)
                        .containsExactlyElementsOf(fullSync ? List.of(ever) : List.of());
            }
        }
        // a released period even without closedAt (released implies frozen) is not written
        Map<String, PeriodRanking> releasedOnly = rankings(ranking(daily, null, released));
        assertThat(plan(List.of(daily), true, pending, releasedOnly, afterRelease)).isEmpty();
    }

    @Test
    void aPeriodPastItsGraceIsClosedWithoutRewritingIt() {
        PeriodSnapshot daily = dailySnapshot();
        long afterGrace = DAY_END + Duration.ofHours(1).toMillis() + 1;

        List<PeriodPlan> plans = plan(List.of(daily), false, Map.of(), rankings(open(daily)), afterGrace);

        assertThat(plans).hasSize(1);
        PeriodPlan p = plans.get(0);
        assertThat(p.close()).isTrue();
        assertThat(p.fullSync()).isFalse();
        assertThat(p.noCurrent()).isFalse();
        assertThat(p.upserts()).isEmpty();
        assertThat(p.deletes()).isEmpty();
    }

    @Test
    void aPeriodIsClosedOnlyOnceItsGraceIsOver() {
        PeriodSnapshot daily = dailySnapshot();
        long graceEnd = DAY_END + Duration.ofHours(1).toMillis();

        // ended but within its grace (the last instant of the grace included): still open
        assertThat(plan(List.of(daily), false, Map.of(), rankings(open(daily)), DAY_END + 1)).isEmpty();
        assertThat(plan(List.of(daily), false, Map.of(), rankings(open(daily)), graceEnd)).isEmpty();
        assertThat(plan(List.of(daily), false, Map.of(), rankings(open(daily)), graceEnd + 1))
                .singleElement().extracting(PeriodPlan::close).isEqualTo(true);
    }

    @Test
    void aPeriodEndsInItsBoardsTimeZone() {
        PeriodSnapshot paris = snapshot(PARIS, DAY, "p");
        long graceEnd = PARIS_DAY_END + Duration.ofHours(1).toMillis(); // 2026-11-22T00:00Z, the UTC day's end

        assertThat(plan(List.of(paris), false, Map.of(), rankings(open(paris)), graceEnd)).isEmpty();
        assertThat(plan(List.of(paris), false, Map.of(), rankings(open(paris)), graceEnd + 1))
                .singleElement().extracting(PeriodPlan::close).isEqualTo(true);
    }

    @Test
    void aPeriodPostgresHoldsAsClosedIsNotClosedAgain() {
        PeriodSnapshot daily = dailySnapshot();
        OffsetDateTime closed = OffsetDateTime.of(2026, 11, 22, 1, 0, 0, 1_000_000, ZoneOffset.UTC);
        long later = DAY_END + Duration.ofDays(2).toMillis();
        Map<String, PeriodRanking> rankings = rankings(ranking(daily, closed, null));

        assertThat(plan(List.of(daily), false, Map.of(), rankings, later)).as("nothing changed: nothing to do").isEmpty();

        // an in-time event a lagging consumer delivered later still changes the closed period, without closing it again
        List<PeriodPlan> plans = plan(List.of(daily), false, Map.of(daily.boardPeriod(), Set.of("dee")), rankings, later);
        assertThat(plans).hasSize(1);
        assertThat(plans.get(0).close()).isFalse();
        assertThat(plans.get(0).upserts()).containsExactly(1);

        List<PeriodPlan> full = plan(List.of(daily), true, Map.of(), rankings, later);
        assertThat(full).hasSize(1);
        assertWhole(full.get(0), daily, false, false);
    }

    @Test
    void aPeriodWithoutARankingPastItsGraceIsWrittenWholeAndClosed() {
        PeriodSnapshot daily = dailySnapshot();
        long later = DAY_END + Duration.ofDays(2).toMillis();

        List<PeriodPlan> plans = plan(List.of(daily), false, Map.of(), Map.of(), later);

        assertThat(plans).hasSize(1);
        assertWhole(plans.get(0), daily, true, true);
    }

    @Test
    void aBoardThatIsGoneIsSkipped() {
        PeriodSnapshot daily = dailySnapshot();
        PeriodSnapshot ever = snapshot(ALL_TIME, Period.ALL_TIME, "x");
        Map<String, Board> left = Map.of(ALL_TIME.id(), ALL_TIME);
        Map<String, Set<String>> pending = Map.of(daily.boardPeriod(), Set.of("ann"), ever.boardPeriod(), Set.of("x"));
        Function<String, Board> boards = left::get;

        for (boolean fullSync : new boolean[] {true, false}) {
            // no ranking for daily (would be written whole), changes, past its close: still nothing for it
            List<PeriodPlan> plans = ReconcilePlanner.plan(List.of(daily, ever), fullSync, pending, rankings(open(ever)),
                    boards, RULES, DAY_END + Duration.ofDays(2).toMillis());
            assertThat(plans).extracting(PeriodPlan::snapshot).as("fullSync=%s", fullSync).containsExactly(ever);
        }
    }

    @Test
    void plansFollowTheOrderOfTheSnapshots() {
        PeriodSnapshot a = snapshot(ALL_TIME, Period.ALL_TIME, "x");
        PeriodSnapshot b = dailySnapshot();
        PeriodSnapshot c = snapshot(PARIS, DAY, "p");

        assertThat(plan(List.of(c, a, b), true, Map.of(), Map.of(), DURING)).extracting(PeriodPlan::snapshot)
                .containsExactly(c, a, b);
    }

    // ---- the incremental plan against a naive reference, on generated boards and changes

    private record Entry(String id, int score, int reachedAt) {
    }

    @Property(tries = 300)
    void anIncrementalPlanMatchesANaiveReference(@ForAll("entries") @Size(max = 40) List<Entry> generated,
            @ForAll @Size(max = 10) Set<@From("ids") String> changed, @ForAll boolean desc) {
        // one entry per id: the last generated one wins
        Map<String, Entry> byId = new LinkedHashMap<>();
        generated.forEach(e -> byId.put(e.id(), e));
        Board board = new Board("gen", desc ? Order.DESC : Order.ASC, Board.TiePolicy.ORDINAL, Operation.SET,
                Period.NONE, ZoneId.of("UTC"), null);
        BoardIndex index = new BoardIndex(board.order());
        byId.values().forEach(e -> index.upsert(e.id(), e.score(), e.reachedAt()));
        PeriodSnapshot snapshot = PeriodSnapshot.copy("gen@" + Period.ALL_TIME, index);

        // the rank order written out plainly: score in the board's order, then reachedAt, then id
        Comparator<Entry> byScore = Comparator.comparingInt(Entry::score);
        List<Entry> ranked = new ArrayList<>(byId.values());
        ranked.sort((desc ? byScore.reversed() : byScore).thenComparingInt(Entry::reachedAt).thenComparing(Entry::id));
        List<Integer> expectedUpserts = new ArrayList<>();
        for (int i = 0; i < ranked.size(); i++) {
            if (changed.contains(ranked.get(i).id())) {
                expectedUpserts.add(i);
            }
        }
        Set<String> expectedDeletes = new HashSet<>(changed);
        expectedDeletes.removeAll(byId.keySet());

        PeriodRanking current = new PeriodRanking("gen", Period.ALL_TIME, 1, 1, ranked.size(), RECONCILED, null, null);
        List<PeriodPlan> plans = ReconcilePlanner.plan(List.of(snapshot), false, Map.of(snapshot.boardPeriod(), changed),
                Map.of(current.boardPeriod(), current), id -> board, RULES, DURING);

        if (changed.isEmpty()) {
            assertThat(plans).isEmpty();
            return;
        }
        assertThat(plans).hasSize(1);
        PeriodPlan p = plans.get(0);
        assertThat(p.fullSync()).isFalse();
        assertThat(p.close()).isFalse();
        assertThat(Arrays.stream(p.upserts()).boxed().toList()).containsExactlyInAnyOrderElementsOf(expectedUpserts);
        assertThat(p.deletes()).containsExactlyInAnyOrderElementsOf(expectedDeletes);
    }

    @Provide
    Arbitrary<String> ids() {
        return Arbitraries.of("a", "b", "c", "d", "e", "f", "g", "h", "aa", "ab", "ba", "zz", "Z", "0");
    }

    @Provide
    Arbitrary<List<Entry>> entries() {
        Arbitrary<Entry> entry = Combinators.combine(ids(), Arbitraries.integers().between(-3, 3),
                Arbitraries.integers().between(0, 3)).as(Entry::new);
        return entry.list();
    }
}
