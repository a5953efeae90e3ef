package io.standings.store.postgres;

import io.standings.state.PeriodSnapshot;

/**
 * What one board period contributes to a checkpoint write, decided by the reconciler.
 *
 * @param snapshot the board period as memory held it
 * @param upserts positions in the snapshot to upsert (ignored with {@code fullSync}: all of them)
 * @param deletes entities to delete (gone from memory)
 * @param fullSync write everything and delete whatever the snapshot does not hold
 * @param forceRewrite rewrite the ranking even if no row changed (drift repair)
 * @param noCurrent no ranking exists yet for the board period
 * @param close the period's grace is over: freeze (mark closed) its current ranking
 */
public record PeriodPlan(PeriodSnapshot snapshot, int[] upserts, String[] deletes, boolean fullSync, boolean forceRewrite,
        boolean noCurrent, boolean close) {

    private static final int[] NONE = new int[0];
    private static final String[] NO_ONE = new String[0];

    /** Every row of the snapshot, the rest deleted. */
    public static PeriodPlan fullSync(PeriodSnapshot snapshot, boolean noCurrent, boolean close) {
        return new PeriodPlan(snapshot, null, NO_ONE, true, false, noCurrent, close);
    }

    /** The changed rows only. */
    public static PeriodPlan incremental(PeriodSnapshot snapshot, int[] upserts, String[] deletes, boolean close) {
        return new PeriodPlan(snapshot, upserts == null ? NONE : upserts, deletes == null ? NO_ONE : deletes, false, false,
                false, close);
    }

    /** A drift repair: every row and a new ranking, whatever changed. */
    public static PeriodPlan repair(PeriodSnapshot snapshot) {
        return new PeriodPlan(snapshot, null, NO_ONE, true, true, false, false);
    }

    /** Whether the plan writes anything at all. */
    public boolean writesAnything() {
        return fullSync || forceRewrite || noCurrent || close || upserts.length > 0 || deletes.length > 0;
    }
}
