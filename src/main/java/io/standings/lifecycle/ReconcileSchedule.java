package io.standings.lifecycle;

import java.time.Duration;

/**
 * When the next reconciliation run may start, and the share of the time runs actually take.
 *
 * <p>A run that took d (wall time, which bounds its CPU: the JVM's and PostgreSQL's work for it happen inside it)
 * is followed by a pause of at least d × (1/maxShare − 1), so runs take at most {@code maxShare} of the time; and
 * two runs start at least the interval apart. The next run therefore starts max(interval, d / maxShare) after the
 * previous one started: short runs keep the configured interval, long ones stretch it.
 *
 * <p>The measured share is the time in runs over the time from the first to the last start of the last
 * {@link #MEASURED_CYCLES} cycles (a cycle: a run's start to the next run's start), 0 before the first cycle closes.
 *
 * <p>No clock of its own: times are epoch milliseconds passed in. Thread-safe (metrics read it while runs write it).
 */
final class ReconcileSchedule {

    /** How many recent cycles the measured share covers. */
    static final int MEASURED_CYCLES = 10;

    private final long intervalMillis;
    private final double maxShare;

    private final long[] runMillis = new long[MEASURED_CYCLES];
    private final long[] cycleMillis = new long[MEASURED_CYCLES];
    private long closedCycles;
    private long lastStart = -1;
    private long lastRunMillis;
    private long nextDelayMillis;

    /**
     * @throws IllegalArgumentException when the interval is negative or the share is not in (0, 1]
     */
    ReconcileSchedule(Duration interval, double maxShare) {
        if (interval.isNegative()) {
            throw new IllegalArgumentException("standings.reconcile.interval must not be negative, got " + interval);
        }
        if (!(maxShare > 0 && maxShare <= 1)) {
            throw new IllegalArgumentException("standings.reconcile.max-share (STANDINGS_RECONCILE_MAX_SHARE) must be"
                    + " greater than 0 and at most 1: the largest fraction of the time reconciliation may take, e.g."
                    + " 0.25; got " + maxShare);
        }
        this.intervalMillis = interval.toMillis();
        this.maxShare = maxShare;
        this.nextDelayMillis = intervalMillis;
    }

    /**
     * The pause after a run of {@code runMillis}: what is left of the interval, and at least
     * runMillis × (1/maxShare − 1) (rounded up, so the share is never exceeded).
     */
    long pauseAfter(long runMillis) {
        long cycle = Math.max(intervalMillis, (long) Math.ceil(runMillis / maxShare));
        return cycle - runMillis;
    }

    /**
     * Records a run from {@code startedAt} to {@code endedAt} and answers the earliest start of the next one.
     *
     * @param minPauseMillis a pause the caller needs anyway after this run (the back-off after a failure), 0 if none
     */
    synchronized long ran(long startedAt, long endedAt, long minPauseMillis) {
        long run = Math.max(0, endedAt - startedAt);
        if (lastStart >= 0 && startedAt > lastStart) {
            int slot = (int) (closedCycles++ % MEASURED_CYCLES);
            runMillis[slot] = lastRunMillis;
            cycleMillis[slot] = startedAt - lastStart;
        }
        lastStart = startedAt;
        lastRunMillis = run;
        nextDelayMillis = Math.max(pauseAfter(run), minPauseMillis);
        long next = startedAt + run + nextDelayMillis;
        return next < startedAt ? Long.MAX_VALUE : next; // a tiny share: no overflow into the past
    }

    /** The pause planned after the last run (before the first: the interval), in milliseconds. */
    synchronized long nextDelayMillis() {
        return nextDelayMillis;
    }

    /** Time in runs over elapsed time, over the last {@link #MEASURED_CYCLES} closed cycles; 0 before the first. */
    synchronized double share() {
        long runs = 0;
        long cycles = 0;
        for (int i = 0; i < Math.min(closedCycles, MEASURED_CYCLES); i++) {
            runs += runMillis[i];
            cycles += cycleMillis[i];
        }
        return cycles == 0 ? 0 : (double) runs / cycles;
    }

    long intervalMillis() {
        return intervalMillis;
    }

    double maxShare() {
        return maxShare;
    }
}
