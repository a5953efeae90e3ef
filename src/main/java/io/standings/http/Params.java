package io.standings.http;

import io.standings.core.board.Ids;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Query parameters are taken as text and parsed here, so that a malformed number is a 400
 * problem+json naming the parameter rather than a framework 404.
 */
public final class Params {

    public static final int MAX_LIMIT = 1000;
    public static final int DEFAULT_LIMIT = 10;
    public static final int MAX_RADIUS = 100;
    public static final int MAX_IDS = 1000;

    private static final Pattern DIGITS = Pattern.compile("-?[0-9]{1,19}");

    private Params() {
    }

    /**
     * The {@code limit} query parameter when it is plainly valid — absent (the default), or one value of
     * 1–4 digits within 1–{@value #MAX_LIMIT} — else -1: the caller lets the JAX-RS resource read it (and
     * answer any error). For the hot paths, which must never read a parameter differently.
     */
    public static int plainLimit(List<String> values) {
        if (values.isEmpty()) {
            return DEFAULT_LIMIT;
        }
        String value = values.get(0);
        if (values.size() != 1 || value.isEmpty() || value.length() > 4) {
            return -1;
        }
        int n = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n >= 1 && n <= MAX_LIMIT ? n : -1;
    }

    /** An integer in [min, max]; {@code fallback} when the parameter is absent. */
    public static int intIn(String name, String text, int min, int max, int fallback) {
        if (text == null) {
            return fallback;
        }
        return (int) longIn(name, text, min, max);
    }

    /** A long in [min, max]; the parameter must be present. */
    public static long longIn(String name, String text, long min, long max) {
        String rule = name + " must be an integer from " + min + " to " + max;
        if (text == null || !DIGITS.matcher(text).matches()) {
            throw ProblemException.badRequest(rule);
        }
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest(rule);
        }
        if (value < min || value > max) {
            throw ProblemException.badRequest(rule);
        }
        return value;
    }

    /** The entity ids of every {@code ids} parameter, split on commas, empty parts skipped, duplicates once. */
    public static List<String> ids(List<String> values) {
        Set<String> ids = new LinkedHashSet<>();
        if (values != null) {
            for (String value : values) {
                for (String id : value.split(",", -1)) {
                    if (id.isEmpty()) {
                        continue;
                    }
                    if (!Ids.isValidEntity(id)) {
                        throw ProblemException.badRequest("ids: " + Ids.describeEntityRule());
                    }
                    ids.add(id);
                    if (ids.size() > MAX_IDS) {
                        throw ProblemException.badRequest("ids: at most " + MAX_IDS + " ids per request");
                    }
                }
            }
        }
        if (ids.isEmpty()) {
            throw ProblemException.badRequest("ids: give 1 to " + MAX_IDS + " comma-separated entity ids");
        }
        return new ArrayList<>(ids);
    }
}
