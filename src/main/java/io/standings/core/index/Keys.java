package io.standings.core.index;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;

/**
 * Validation and ordering of the parts of a key: (score in board order, reachedAt ascending,
 * entity id ascending by Unicode code point).
 *
 * <p>Entity ids compare by code point, which is the same as comparing their UTF-8 bytes as unsigned
 * values and the same as PostgreSQL's {@code COLLATE "C"} in a UTF8 database. It differs from
 * {@link String#compareTo} (UTF-16 units) only for supplementary characters.
 */
public final class Keys {
    /** Maximum id length in code points. */
    public static final int MAX_ENTITY_CODE_POINTS = 128;

    /** Code-point (= UTF-8 byte) order of entity ids. */
    public static final Comparator<String> ENTITY_ORDER = Keys::compareEntities;

    private Keys() {
    }

    /**
     * Checks an entity id: non-null, 1-128 code points, no control characters (Unicode Cc), no
     * unpaired surrogates.
     *
     * @throws IllegalArgumentException if the id is not valid
     */
    public static String checkEntity(String entity) {
        if (entity == null) {
            throw new IllegalArgumentException("entity id is null");
        }
        if (entity.isEmpty()) {
            throw new IllegalArgumentException("entity id is empty");
        }
        int codePoints = 0;
        for (int i = 0; i < entity.length(); ) {
            char c = entity.charAt(i);
            int cp;
            if (Character.isHighSurrogate(c) && i + 1 < entity.length()
                    && Character.isLowSurrogate(entity.charAt(i + 1))) {
                cp = Character.toCodePoint(c, entity.charAt(i + 1));
                i += 2;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("entity id has an unpaired surrogate at index " + i);
            } else {
                cp = c;
                i++;
            }
            if (Character.isISOControl(cp)) {
                throw new IllegalArgumentException("entity id has a control character at index " + (i - 1));
            }
            if (++codePoints > MAX_ENTITY_CODE_POINTS) {
                throw new IllegalArgumentException("entity id longer than " + MAX_ENTITY_CODE_POINTS + " characters");
            }
        }
        return entity;
    }

    /** Validates an entity id and returns its UTF-8 bytes. */
    static byte[] entityBytes(String entity) {
        return checkEntity(entity).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Checks that a score is finite and normalizes {@code -0.0} to {@code 0.0}.
     *
     * @throws IllegalArgumentException for NaN or an infinity
     */
    public static double checkScore(double score) {
        if (!Double.isFinite(score)) {
            throw new IllegalArgumentException("score must be finite, got " + score);
        }
        return score == 0.0 ? 0.0 : score;
    }

    /** Compares entity ids by code point (= unsigned UTF-8 bytes = {@code COLLATE "C"}). */
    public static int compareEntities(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                // A surrogate (D800-DFFF) stands for a code point >= 0x10000, so it sorts after
                // every BMP char; BMP chars above the surrogate range (E000-FFFF) sort before it.
                boolean sx = Character.isSurrogate(x);
                boolean sy = Character.isSurrogate(y);
                if (sx != sy) {
                    return sx ? 1 : -1;
                }
                return Character.compare(x, y);
            }
        }
        return Integer.compare(a.length(), b.length());
    }

    /** Compares UTF-8 encoded ids as unsigned bytes. */
    static int compareUtf8(byte[] a, int aOff, int aLen, byte[] b, int bOff, int bLen) {
        return java.util.Arrays.compareUnsigned(a, aOff, aOff + aLen, b, bOff, bOff + bLen);
    }

    /** Share of entries ranked strictly below the one at {@code ordinal}: (n - ordinal) / n * 100. */
    public static double percentile(long ordinal, long size) {
        if (size <= 0) {
            return 0.0;
        }
        return (size - ordinal) * 100.0 / size;
    }

    static int checkLimit(int limit, String name) {
        if (limit < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + limit);
        }
        return limit;
    }
}
