package io.standings.core.board;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * Log-space decay must equal the naive definition: the value at time T is the sum of every weight times
 * 2^(−(T − t_i) / halfLife), and ordering by the stored log score is ordering by that value.
 */
class DecayTest {

    private static final Decay HOUR = Decay.ofHalfLife(Duration.ofHours(1));
    private static final long T0 = Decay.REFERENCE_EPOCH_MILLIS + Duration.ofDays(300).toMillis();

    @Test
    void aWeightHalvesEveryHalfLife() {
        double s = HOUR.toLogSpace(8, T0);
        assertThat(HOUR.valueAt(s, T0)).isCloseTo(8, within(1e-9));
        assertThat(HOUR.valueAt(s, T0 + Duration.ofHours(1).toMillis())).isCloseTo(4, within(1e-9));
        assertThat(HOUR.valueAt(s, T0 + Duration.ofHours(3).toMillis())).isCloseTo(1, within(1e-9));
    }

    @Property(tries = 300)
    void incrementsInLogSpaceEqualTheNaiveSum(
            @ForAll @Size(min = 1, max = 20) List<@DoubleRange(min = 0.5, max = 1000) Double> weights,
            @ForAll @LongRange(min = 0, max = 10 * 3_600_000L) long spread) {
        double log = Double.NaN;
        long t = T0;
        double naive = 0;
        long now = T0 + spread + 1;
        for (int i = 0; i < weights.size(); i++) {
            t = T0 + spread * i / weights.size();
            double w = weights.get(i);
            double added = HOUR.toLogSpace(w, t);
            log = i == 0 ? added : Decay.logAddExp(log, added);
            naive += w * Math.pow(2, -(double) (now - t) / Duration.ofHours(1).toMillis());
        }
        assertThat(HOUR.valueAt(log, now)).isCloseTo(naive, within(naive * 1e-9));
    }

    @Property(tries = 300)
    void orderingByLogScoreIsOrderingByDecayedValue(@ForAll @DoubleRange(min = 0.01, max = 1e6) double w1,
            @ForAll @LongRange(min = 0, max = 100 * 3_600_000L) long t1, @ForAll @DoubleRange(min = 0.01, max = 1e6) double w2,
            @ForAll @LongRange(min = 0, max = 100 * 3_600_000L) long t2) {
        double s1 = HOUR.toLogSpace(w1, T0 + t1);
        double s2 = HOUR.toLogSpace(w2, T0 + t2);
        long now = T0 + Math.max(t1, t2);
        double v1 = HOUR.valueAt(s1, now);
        double v2 = HOUR.valueAt(s2, now);
        if (Math.abs(v1 - v2) > 1e-9 * Math.max(v1, v2)) {
            assertThat(Double.compare(s1, s2)).isEqualTo(Double.compare(v1, v2));
        }
    }

    @Test
    void weightsMustBePositive() {
        assertThatThrownBy(() -> HOUR.toLogSpace(0, T0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HOUR.toLogSpace(-1, T0)).isInstanceOf(IllegalArgumentException.class);
    }
}
