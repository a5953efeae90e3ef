package io.standings.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The audit's full checksums: a board period written incrementally is checksummed on its first run, then not again
 * until the interval has passed since, the stalest first when several are due, within a bound per run; a board
 * period not written since its last comparison costs nothing. The clock is the times passed in.
 */
class ChecksumScheduleTest {

    private static final Duration FIVE_MINUTES = Duration.ofMinutes(5);
    private static final long X = FIVE_MINUTES.toMillis();

    @Test
    void aBoardPeriodIsChecksummedOnItsFirstRunThenNotAgainUntilTheIntervalHasPassed() {
        ChecksumSchedule s = new ChecksumSchedule(FIVE_MINUTES);
        Map<String, Integer> entries = Map.of("a@all", 1_000_000);
        long t = 1_000_000;
        s.written("a@all");
        assertThat(s.due(entries, t)).as("never checksummed: at once").containsExactly("a@all");
        s.compared("a@all", t);
        // Written in every run, every 10 s: not checksummed again before X has passed.
        for (long now = t + 10_000; now < t + X; now += 10_000) {
            s.written("a@all");
            assertThat(s.due(entries, now)).as("at %d ms", now - t).isEmpty();
        }
        s.written("a@all");
        assertThat(s.due(entries, t + X)).as("X after its checksum").containsExactly("a@all");
        s.compared("a@all", t + X);
        assertThat(s.due(entries, t + X + 1)).isEmpty();
    }

    @Test
    void aBoardPeriodNotWrittenSinceItsLastComparisonIsNeverDue() {
        ChecksumSchedule s = new ChecksumSchedule(FIVE_MINUTES);
        Map<String, Integer> entries = Map.of("idle@all", 10, "busy@all", 10);
        assertThat(s.due(entries, 0)).as("nothing written").isEmpty();
        s.written("idle@all");
        s.compared("idle@all", 0);
        assertThat(s.due(entries, 100 * X)).isEmpty();
        // Written once, within X of its checksum, then idle: due once X has passed, even in a run that writes nothing.
        s.written("busy@all");
        s.compared("busy@all", 0);
        s.written("busy@all");
        assertThat(s.due(entries, X - 1)).isEmpty();
        assertThat(s.due(entries, X)).containsExactly("busy@all");
    }

    @Test
    void aFullSyncCountsAsAComparison() {
        ChecksumSchedule s = new ChecksumSchedule(FIVE_MINUTES);
        Map<String, Integer> entries = Map.of("a@all", 100);
        s.compared("a@all", 0); // its first write: a full sync
        s.written("a@all");
        assertThat(s.due(entries, X / 2)).isEmpty();
        s.compared("a@all", X / 2); // a full sync again (memory replaced, a repair): the write is compared
        assertThat(s.due(entries, 10 * X)).isEmpty();
    }

    @Test
    void theStalestGoesFirstAndOneRunNeverChecksumsEveryBigBoardPeriodAtOnce() {
        ChecksumSchedule s = new ChecksumSchedule(FIVE_MINUTES);
        Map<String, Integer> entries = new LinkedHashMap<>();
        entries.put("a@all", 900_000);
        entries.put("b@all", 900_000);
        entries.put("c@all", 900_000);
        entries.put("new@all", 900_000);
        s.compared("a@all", 3_000);
        s.compared("b@all", 1_000);
        s.compared("c@all", 2_000);
        entries.keySet().forEach(s::written);
        long now = 10 * X;
        // Never checksummed first, then by the age of their last comparison; one big board period per run.
        for (String expected : new String[] {"new@all", "b@all", "c@all", "a@all"}) {
            Set<String> due = s.due(entries, now);
            assertThat(due).as("run at %d", now).containsExactly(expected);
            s.compared(expected, now);
            now += 10_000;
        }
        assertThat(s.due(entries, now)).isEmpty();
    }

    @Test
    void smallBoardPeriodsShareARunWithinTheBound() {
        ChecksumSchedule s = new ChecksumSchedule(FIVE_MINUTES);
        Map<String, Integer> entries = new LinkedHashMap<>();
        entries.put("big@all", (int) ChecksumSchedule.MAX_ENTRIES_PER_RUN * 3);
        for (int i = 0; i < 5; i++) {
            entries.put("small" + i + "@all", 200_000);
        }
        s.compared("big@all", 0);
        for (int i = 0; i < 5; i++) {
            s.compared("small" + i + "@all", 1 + i);
        }
        entries.keySet().forEach(s::written);
        // The stalest always goes, even past the bound; the others wait for a run with room.
        assertThat(s.due(entries, X + 10)).containsExactly("big@all");
        s.compared("big@all", X + 10);
        assertThat(s.due(entries, X + 20)).as("five of 200k: within 1M")
                .containsExactly("small0@all", "small1@all", "small2@all", "small3@all", "small4@all");
    }

    @Test
    void zeroChecksumsEveryWrittenBoardPeriodInEveryRun() {
        ChecksumSchedule s = new ChecksumSchedule(Duration.ZERO);
        Map<String, Integer> entries = Map.of("a@all", 2_000_000, "b@all", 2_000_000, "c@all", 5);
        for (long now = 0; now < 5; now++) {
            s.written("a@all");
            s.written("b@all");
            assertThat(s.due(entries, now)).as("no bound with 0").containsExactlyInAnyOrder("a@all", "b@all");
            s.compared("a@all", now);
            s.compared("b@all", now);
        }
        assertThat(s.due(entries, 5)).as("not written in this run").isEmpty();
    }

    @Test
    void boardPeriodsMemoryNoLongerHoldsAreForgotten() {
        ChecksumSchedule s = new ChecksumSchedule(FIVE_MINUTES);
        s.written("gone@2026-11-20");
        assertThat(s.due(Map.of("other@all", 1), 0)).as("not in memory: not due").isEmpty();
        s.retain(Set.of("other@all"));
        assertThat(s.due(Map.of("gone@2026-11-20", 1), 0)).as("forgotten").isEmpty();
    }

    @Test
    void aNegativeIntervalIsRejected() {
        assertThatThrownBy(() -> new ChecksumSchedule(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("standings.reconcile.checksum-interval");
    }
}
