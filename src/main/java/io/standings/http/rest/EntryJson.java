package io.standings.http.rest;

import io.standings.http.EntryView;

import java.nio.charset.StandardCharsets;

/**
 * {@link EntryView} as JSON for the hot entry lookup, byte for byte what the application's Jackson mapper
 * writes for it (same field order, {@code Double.toString} numbers, ISO-8601 instant, UTF-8 strings with
 * {@code "} and {@code \} escaped): Jackson's bean serialisation (a serializer provider per call, a
 * generator, property writers) was about a tenth of a lookup's CPU. Whatever it does not write exactly
 * like Jackson — a non-finite number, a control character — it declines (null), and the caller uses the
 * mapper. {@code EntryJsonTest} compares the two on random and odd views; {@code HotReadsIT} compares the
 * hot path with the JAX-RS resource over HTTP.
 */
final class EntryJson {

    private EntryJson() {
    }

    /** The JSON bytes, or null when Jackson must write this one. */
    static byte[] write(EntryView v) {
        if (!Double.isFinite(v.score()) || !Double.isFinite(v.percentile()) || v.updatedAt() == null) {
            return null;
        }
        StringBuilder b = new StringBuilder(96 + v.entity().length());
        b.append("{\"board\":");
        if (!string(b, v.board())) {
            return null;
        }
        b.append(",\"entity\":");
        if (!string(b, v.entity())) {
            return null;
        }
        b.append(",\"score\":").append(v.score())
                .append(",\"rank\":").append(v.rank())
                .append(",\"ordinalRank\":").append(v.ordinalRank())
                .append(",\"total\":").append(v.total())
                .append(",\"percentile\":").append(v.percentile())
                .append(",\"updatedAt\":\"").append(v.updatedAt())
                .append("\",\"asOf\":").append(v.asOf()).append('}');
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Appends a JSON string; false on a character Jackson would escape differently (control characters). */
    private static boolean string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20) {
                return false;
            }
            if (c == '"' || c == '\\') {
                b.append('\\');
            }
            b.append(c);
        }
        b.append('"');
        return true;
    }
}
