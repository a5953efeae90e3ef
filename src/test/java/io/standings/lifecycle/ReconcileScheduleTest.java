package io.standings.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The reconciler's schedule: runs start at least the interval apart, each is followed by a pause of at least
 * d × (1/share − 1), and the share of the time runs take, as measured, never exceeds the configured one.
 */
class ReconcileScheduleTest {

    private static final Duration TEN_SECONDS = Duration.ofSeconds(10);

    @Test
    void shortRunsKeepTheInterval() {
        ReconcileSchedule s = new ReconcileSchedule(TEN_SECONDS, 0.25);
        long start = 1_000_000;
        assertThat(s.ran(start, start + 1_000, 0)).as("1 s run: the next 10 s after it started").isEqualTo(start + 10_000);
        assertThat(s.nextDelayMillis()).isEqualTo(9_000);
        start += 10_000;
        assertThat(s.ran(start, start, 0)).as("an instant run").isEqualTo(start + 10_000);
        start += 10_000;
        // d / share = interval exactly: still the interval.
        assertThat(s.ran(start, start + 2_500, 0)).isEqualTo(start + 10_000);
        assertThat(s.nextDelayMillis()).isEqualTo(7_500);
    }

    @Test
    void aLongRunStretchesThePauseToItsShare() {
        ReconcileSchedule s = new ReconcileSchedule(TEN_SECONDS, 0.25);
        long start = 5_000;
        // 4 s at a quarter: 12 s of pause (d × (1/s − 1)), the next 16 s after the start.
        assertThat(s.ran(start, start + 4_000, 0)).isEqualTo(start + 16_000);
        assertThat(s.nextDelayMillis()).isEqualTo(12_000);
        assertThat(s.pauseAfter(60_000)).as("a minute of run: three of pause").isEqualTo(180_000);
        ReconcileSchedule third = new ReconcileSchedule(Duration.ofSeconds(1), 1.0 / 3);
        assertThat(third.pauseAfter(3_000)).isEqualTo(6_000);
        ReconcileSchedule whole = new ReconcileSchedule(TEN_SECONDS, 1);
        assertThat(whole.pauseAfter(25_000)).as("share 1: runs may follow each other").isZero();
        assertThat(whole.pauseAfter(4_000)).as("but not more often than the interval").isEqualTo(6_000);
    }

    @Test
    void aBackOffLongerThanThePauseWins() {
        ReconcileSchedule s = new ReconcileSchedule(Duration.ofSeconds(1), 0.5);
        assertThat(s.ran(0, 100, 8_000)).isEqualTo(8_100);
        assertThat(s.nextDelayMillis()).isEqualTo(8_000);
        assertThat(s.ran(8_100, 8_200, 50)).as("a short back-off changes nothing").isEqualTo(9_100);
    }

    @Test
    void theMeasuredShareIsTheRunTimeOverTheCyclesTime() {
        ReconcileSchedule s = new ReconcileSchedule(TEN_SECONDS, 0.25);
        assertThat(s.share()).as("no cycle closed yet").isZero();
        long next = s.ran(0, 4_000, 0); // 4 s of 16
        assertThat(s.share()).as("the first cycle closes when the next run starts").isZero();
        next = s.ran(next, next + 1_000, 0); // 1 s of 10
        assertThat(s.share()).isEqualTo(0.25);
        s.ran(next, next + 1_000, 0);
        assertThat(s.share()).isEqualTo(5.0 / 26);
        // Only the last cycles count: after many short runs, the long one is forgotten.
        long start = next;
        for (int i = 0; i < ReconcileSchedule.MEASURED_CYCLES; i++) {
            start = s.ran(start, start + 1_000, 0);
        }
        assertThat(s.share()).isEqualTo(0.1);
    }

    /** Random durations, from instant to many intervals, seeded: no cycle and no window of cycles exceeds the share. */
    @Test
    void theMeasuredShareNeverExceedsTheConfiguredShare() {
        for (long seed = 1; seed <= 20; seed++) {
            Random r = new Random(seed);
            long interval = 1 + r.nextInt(20_000);
            double max = r.nextInt(4) == 0 ? 1 : 0.01 + r.nextDouble() * 0.99;
            ReconcileSchedule s = new ReconcileSchedule(Duration.ofMillis(interval), max);
            long start = r.nextInt(1_000_000);
            long totalRun = 0;
            long firstStart = start;
            for (int i = 0; i < 2_000; i++) {
                long d = switch (r.nextInt(4)) {
                    case 0 -> 0;
                    case 1 -> r.nextInt((int) interval + 1); // within the interval
                    case 2 -> interval + r.nextInt((int) (20 * interval)); // longer than the interval
                    default -> r.nextInt(120_000); // anything up to two minutes
                };
                long end = start + d;
                long backoff = r.nextInt(10) == 0 ? r.nextInt(60_000) : 0;
                long next = s.ran(start, end, backoff);
                String why = "seed " + seed + ", run " + i + ": " + d + " ms, interval " + interval + ", share " + max;
                assertThat(next - start).as(why).isGreaterThanOrEqualTo(interval);
                assertThat((double) (next - end)).as(why).isGreaterThanOrEqualTo(d * (1 / max - 1) - 1e-6);
                assertThat((double) d / (next - start)).as(why).isLessThanOrEqualTo(max + 1e-12);
                assertThat(s.share()).as(why).isLessThanOrEqualTo(max + 1e-12);
                totalRun += d;
                // The tick starts the run a little late, now and then.
                start = next + (r.nextInt(5) == 0 ? r.nextInt(200) : 0);
            }
            assertThat((double) totalRun / (start - firstStart)).as("seed %d over the whole sequence", seed)
                    .isLessThanOrEqualTo(max + 1e-12);
        }
    }

    @Test
    void invalidSharesAndIntervalsAreRejected() {
        for (double bad : new double[] {0, -0.25, 1.0001, 2, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            assertThatThrownBy(() -> new ReconcileSchedule(TEN_SECONDS, bad)).as("share %s", bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("standings.reconcile.max-share")
                    .hasMessageContaining("greater than 0 and at most 1");
        }
        ReconcileSchedule tiny = new ReconcileSchedule(TEN_SECONDS, Double.MIN_VALUE);
        assertThat(tiny.ran(1_000, 1_001, 0)).as("a tiny share: the next run in a very long time").isEqualTo(Long.MAX_VALUE);
        assertThat(new ReconcileSchedule(TEN_SECONDS, 1).maxShare()).isEqualTo(1);
        assertThatThrownBy(() -> new ReconcileSchedule(Duration.ofSeconds(-1), 0.25))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("standings.reconcile.interval");
    }
}
