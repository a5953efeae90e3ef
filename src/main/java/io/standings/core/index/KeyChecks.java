package io.standings.core.index;

import java.nio.charset.StandardCharsets;

/** Validation of the parts of a key: entity ids, scores, limits (their order is {@link RankKey}'s). */
public final class KeyChecks {
    /** Maximum id length in code points. */
    public static final int MAX_ENTITY_CODE_POINTS = 128;


    private KeyChecks() {
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
        if (isPrintableAscii(entity)) {
            return entity;
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

    /**
     * The usual id, decided without Unicode tables: at most {@link #MAX_ENTITY_CODE_POINTS} chars, each from U+0020
     * to U+007E (so no surrogates, no control characters, one code point per char).
     */
    public static boolean isPrintableAscii(String entity) {
        int n = entity.length();
        if (n > MAX_ENTITY_CODE_POINTS) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = entity.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                return false;
            }
        }
        return true;
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
