package io.standings.state;

import java.util.Map;
import java.util.TreeMap;

/**
 * The position token of reads and the {@code minPosition} of a read that must not be older than a write:
 * {@code partition:offset} pairs of the score-events topic, comma-separated, e.g. {@code 0:1841,1:1790,2:1903}.
 * In a token, an offset is the last record of that partition whose effect the answer holds; in a
 * {@code minPosition}, it is the offset Kafka gave the producer's record (the answer then holds it).
 */
public final class PositionToken {

    /** At most this many pairs are read from a request (more partitions than any topic here has). */
    public static final int MAX_PAIRS = 10_000;

    private PositionToken() {
    }

    public static String format(Map<Integer, Long> positions) {
        StringBuilder token = new StringBuilder(positions.size() * 12);
        new TreeMap<>(positions).forEach((partition, offset) -> {
            if (!token.isEmpty()) {
                token.append(',');
            }
            token.append(partition).append(':').append(offset);
        });
        return token.toString();
    }

    /**
     * Parses a token: partition → offset (the highest when a partition repeats). Throws IllegalArgumentException,
     * with a sentence for the caller, on anything else.
     */
    public static Map<Integer, Long> parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a position is partition:offset pairs, comma-separated, e.g. 0:1841,2:17");
        }
        Map<Integer, Long> positions = new TreeMap<>();
        String[] pairs = text.split(",", -1);
        if (pairs.length > MAX_PAIRS) {
            throw new IllegalArgumentException("a position names at most " + MAX_PAIRS + " partitions");
        }
        for (String pair : pairs) {
            int colon = pair.indexOf(':');
            if (colon <= 0 || colon == pair.length() - 1) {
                throw new IllegalArgumentException("'" + abbreviate(pair) + "' is not partition:offset");
            }
            String partitionText = pair.substring(0, colon).trim();
            String offsetText = pair.substring(colon + 1).trim();
            if (!asciiDigits(partitionText) || !asciiDigits(offsetText)) {
                // Integer.parseInt would also take a sign and non-ASCII digits, which are not numbers here (docs/api.md).
                throw new IllegalArgumentException("'" + abbreviate(pair) + "' is not partition:offset with two numbers");
            }
            int partition;
            long offset;
            try {
                partition = Integer.parseInt(partitionText);
                offset = Long.parseLong(offsetText);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + abbreviate(pair) + "' is not partition:offset with two numbers");
            }
            if (partition < 0 || offset < 0) {
                throw new IllegalArgumentException("'" + abbreviate(pair) + "': partitions and offsets are not negative");
            }
            positions.merge(partition, offset, Math::max);
        }
        return positions;
    }

    private static boolean asciiDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
