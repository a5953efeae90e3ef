package io.standings.lifecycle;

import io.quarkus.logging.Log;
import io.standings.core.board.Board;
import io.standings.core.board.PeriodRules;
import io.standings.state.PeriodSnapshot;
import io.standings.store.postgres.PeriodPlan;
import io.standings.store.postgres.PeriodRanking;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * What a reconciliation writes, board period by board period: everything (a full sync: the first run of a
 * process, memory replaced, no ranking yet), or the changed entities only; and which periods it freezes.
 * A period PostgreSQL holds as released is never written.
 */
final class ReconcilePlanner {

    private ReconcilePlanner() {
    }

    /**
     * @param fullSync whether every board period is written whole (memory was replaced since the last commit)
     * @param pending the entities changed since the last commit, per board period
     * @param rankings PostgreSQL's rankings, by board period
     * @param boards the board of an id, or null when it is gone
     */
    static List<PeriodPlan> plan(Collection<PeriodSnapshot> periods, boolean fullSync, Map<String, Set<String>> pending,
            Map<String, PeriodRanking> rankings, Function<String, Board> boards, PeriodRules rules, long now) {
        List<PeriodPlan> plans = new ArrayList<>();
        for (PeriodSnapshot p : periods) {
            Board board = boards.apply(p.board());
            if (board == null) {
                continue;
            }
            PeriodRanking current = rankings.get(p.boardPeriod());
            if (current != null && current.releasedAt() != null) {
                // A released period's frozen ranking never changes; the ingest takes no event for it, so memory
                // holding it again is a defect: say so, and leave PostgreSQL as it is.
                Log.errorf("Memory holds %s, released at %s: not written; its frozen ranking stays as it is",
                        p.boardPeriod(), current.releasedAt());
                continue;
            }
            boolean close = rules.closed(PeriodRules.endMillis(board, p.period()), now)
                    && (current == null || current.closedAt() == null);
            PeriodPlan plan = fullSync || current == null ? PeriodPlan.fullSync(p, current == null, close)
                    : changedOnly(p, pending.getOrDefault(p.boardPeriod(), Set.of()), close);
            if (plan.writesAnything()) {
                plans.add(plan);
            }
        }
        return plans;
    }

    /** The positions of the changed entities still in the snapshot, and the changed ones gone from it. */
    private static PeriodPlan changedOnly(PeriodSnapshot p, Set<String> changed, boolean close) {
        if (changed.isEmpty()) {
            return PeriodPlan.incremental(p, null, null, close);
        }
        int[] positions = new int[changed.size()];
        int found = 0;
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < p.size() && found < positions.length; i++) {
            String entity = p.entity(i);
            if (changed.contains(entity)) {
                positions[found++] = i;
                seen.add(entity);
            }
        }
        List<String> gone = new ArrayList<>();
        for (String e : changed) {
            if (!seen.contains(e)) {
                gone.add(e);
            }
        }
        return PeriodPlan.incremental(p, Arrays.copyOf(positions, found), gone.toArray(new String[0]), close);
    }
}
