package io.standings.core.board;

import java.time.Duration;

/**
 * Exponential decay for trending boards, kept in log space against a fixed reference time t0 so that
 * entries that get no events never need rescoring.
 *
 * <p>An event of weight w at time t adds w·e^{λ(t−t0)} to an entity's mass, λ = ln 2 / half-life. The
 * stored score is s = ln(mass), so {@code incr} is s ← logaddexp(s, ln w + λ(t−t0)), {@code set} is
 * s = ln w + λ(t−t0), and {@code best} keeps the larger s. Ordering by s is ordering by the decayed value
 * at any read time T, which is e^{s − λ(T−t0)}. Weights must be positive.
 */
public record Decay(Duration halfLife, long referenceEpochMillis) {

    /** 2026-01-01T00:00:00Z: the fixed t0 of every decaying board. */
    public static final long REFERENCE_EPOCH_MILLIS = 1_767_225_600_000L;

    public Decay {
        if (halfLife.isNegative() || halfLife.isZero()) {
            throw new IllegalArgumentException("the decay half-life must be positive");
        }
    }

    public static Decay ofHalfLife(Duration halfLife) {
        return new Decay(halfLife, REFERENCE_EPOCH_MILLIS);
    }

    private double lambdaPerMilli() {
        return Math.log(2) / halfLife.toMillis();
    }

    /** The log-space score of weight {@code weight} added at {@code atMillis}. */
    public double toLogSpace(double weight, long atMillis) {
        if (!(weight > 0)) {
            throw new IllegalArgumentException("a decaying board takes positive values only");
        }
        return Math.log(weight) + lambdaPerMilli() * (atMillis - referenceEpochMillis);
    }

    /** ln(e^a + e^b), without overflow. */
    public static double logAddExp(double a, double b) {
        double max = Math.max(a, b);
        return max + Math.log1p(Math.exp(-Math.abs(a - b)));
    }

    /** The decayed value at {@code nowMillis} of a stored log-space score. */
    public double valueAt(double logScore, long nowMillis) {
        return Math.exp(logScore - lambdaPerMilli() * (nowMillis - referenceEpochMillis));
    }
}
