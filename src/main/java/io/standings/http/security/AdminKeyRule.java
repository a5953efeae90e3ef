package io.standings.http.security;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The minimum strength of a configured admin API key. The key is judged after leading and trailing
 * whitespace is stripped, and must
 * <ol>
 * <li>be at least {@link #MIN_LENGTH} characters long;</li>
 * <li>use at least {@link #MIN_DISTINCT} distinct characters (so no single repeated character, no
 * {@code abcabcabc…});</li>
 * <li>consist of printable ASCII characters only (space to {@code ~}): an HTTP header carries nothing
 * else unchanged, so a key with other characters could never be presented;</li>
 * <li>not contain a well-known placeholder word ({@link #PLACEHOLDERS}), compared case-insensitively and
 * ignoring {@code -}, {@code _}, {@code .} and spaces (so {@code CHANGE_ME} and {@code Change.Me} count).</li>
 * </ol>
 * A key made by {@code openssl rand -hex 32} (64 hex digits) or {@code head -c 32 /dev/urandom | base64}
 * (44 characters) passes. Messages describe the rule broken and never quote the key.
 */
public final class AdminKeyRule {

    public static final int MIN_LENGTH = 32;
    public static final int MIN_DISTINCT = 10;
    /** Words that mark a key as a placeholder or an example (matched in their {@link #normalize normalized} form). */
    public static final List<String> PLACEHOLDERS = List.of("change-me", "replace-me", "placeholder", "secret", "password",
            "example", "test-admin-key");
    private static final List<String> NORMALIZED_PLACEHOLDERS = PLACEHOLDERS.stream().map(AdminKeyRule::normalize).toList();
    /** How to make an acceptable key. */
    public static final String HOW_TO = "make one with `openssl rand -hex 32` or `head -c 32 /dev/urandom | base64`,"
            + " or leave STANDINGS_ADMIN_API_KEY unset to disable the admin API";

    private AdminKeyRule() {
    }

    /**
     * The rules {@code key} breaks, each in words that do not quote it; empty when it is acceptable. A
     * blank key is no key at all (the admin API is then disabled) and breaks no rule.
     */
    public static List<String> violations(String key) {
        String k = key == null ? "" : key.strip();
        if (k.isEmpty()) {
            return List.of();
        }
        List<String> broken = new ArrayList<>();
        int length = k.codePointCount(0, k.length());
        if (length < MIN_LENGTH) {
            broken.add("it has " + length + " characters, fewer than " + MIN_LENGTH);
        }
        long distinct = k.codePoints().distinct().count();
        if (distinct == 1) {
            broken.add("it is one character repeated");
        } else if (distinct < MIN_DISTINCT) {
            broken.add("it uses " + distinct + " distinct characters, fewer than " + MIN_DISTINCT);
        }
        if (!k.chars().allMatch(c -> c >= 0x20 && c <= 0x7e)) {
            broken.add("it contains a character that is not printable ASCII (a control or non-ASCII character),"
                    + " which an HTTP header cannot carry");
        }
        String normalized = normalize(k);
        if (NORMALIZED_PLACEHOLDERS.stream().anyMatch(normalized::contains)) {
            broken.add("it contains a well-known placeholder word (one of " + String.join(", ", PLACEHOLDERS) + ")");
        }
        return broken;
    }

    /** True when {@code key} is configured (not blank) and breaks no rule. */
    public static boolean acceptable(String key) {
        return key != null && !key.isBlank() && violations(key).isEmpty();
    }

    /** The one line logged when the service refuses to start with a weak key. */
    static String refusal(List<String> violations) {
        return "Refusing to start: the admin API key (STANDINGS_ADMIN_API_KEY, standings.admin.api-key) is too weak: "
                + String.join("; ", violations) + ". It needs at least " + MIN_LENGTH + " printable ASCII characters, "
                + MIN_DISTINCT + " of them distinct, and no placeholder word: " + HOW_TO + ".";
    }

    /** Lower case without {@code -}, {@code _}, {@code .} and spaces. */
    static String normalize(String key) {
        StringBuilder out = new StringBuilder(key.length());
        for (char c : key.toLowerCase(Locale.ROOT).toCharArray()) {
            if (c != '-' && c != '_' && c != '.' && c != ' ') {
                out.append(c);
            }
        }
        return out.toString();
    }
}
