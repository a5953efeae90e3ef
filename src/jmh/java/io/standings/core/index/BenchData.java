package io.standings.core.index;

import java.util.Iterator;

/**
 * Deterministic benchmark data: entity i has a 16-character id and an integer score in
 * [0, 1_000_000) (so there are ties), reachedAt = i. Generated on the fly, never held in memory.
 */
final class BenchData {
    static final int SCORE_RANGE = 1_000_000;

    private BenchData() {
    }

    /** 16 lowercase hex characters, a bijection of i (so ids are unique and look random). */
    static String id(long i) {
        String hex = Long.toHexString(mix(i));
        return "0".repeat(16 - hex.length()) + hex;
    }

    static double score(long i) {
        return Math.floorMod(mix(i ^ 0x5DEECE66DL), SCORE_RANGE);
    }

    /** A bijective 64-bit mixer (splitmix64 finalizer). */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static Iterable<Entry> entries(int n) {
        return () -> new Iterator<>() {
            private int i;

            @Override
            public boolean hasNext() {
                return i < n;
            }

            @Override
            public Entry next() {
                int k = i++;
                return new Entry(id(k), score(k), k);
            }
        };
    }
}
