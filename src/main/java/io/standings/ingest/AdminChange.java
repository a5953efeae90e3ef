package io.standings.ingest;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * An admin change one instance made (PostgreSQL, Redis and its own memory), for every other instance's memory,
 * on the control topic (compacted; docs/api.md, "Changelog"). Key: what it is about ({@code board/<id>},
 * {@code quarantine/<board>/<entity>}, {@code erase/<entity>}), so compaction keeps the latest of each; value:
 * one line per field, the kind first.
 *
 * @param position for an erasure, the tombstone's position ("topic/partition" → offset), else empty
 */
public record AdminChange(Kind kind, String board, String entity, Map<String, Long> position) {

    public enum Kind {
        /** A board was created or updated: read its definition from PostgreSQL. */
        BOARD_PUT,
        BOARD_DELETED,
        QUARANTINED,
        RESTORED,
        ERASED
    }

    public static AdminChange boardPut(String board) {
        return new AdminChange(Kind.BOARD_PUT, board, null, Map.of());
    }

    public static AdminChange boardDeleted(String board) {
        return new AdminChange(Kind.BOARD_DELETED, board, null, Map.of());
    }

    public static AdminChange quarantine(String board, String entity, boolean on) {
        return new AdminChange(on ? Kind.QUARANTINED : Kind.RESTORED, board, entity, Map.of());
    }

    public static AdminChange erased(String entity, Map<String, Long> position) {
        return new AdminChange(Kind.ERASED, null, entity, Map.copyOf(position));
    }

    public byte[] key() {
        String key = switch (kind) {
            case BOARD_PUT, BOARD_DELETED -> "board/" + board;
            case QUARANTINED, RESTORED -> "quarantine/" + board + "/" + entity;
            case ERASED -> "erase/" + entity;
        };
        return key.getBytes(StandardCharsets.UTF_8);
    }

    public byte[] value() {
        StringBuilder text = new StringBuilder().append(kind.name()).append('\n').append(board == null ? "" : board)
                .append('\n').append(entity == null ? "" : entity).append('\n');
        position.forEach((field, offset) -> text.append(field).append('=').append(offset).append(' '));
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Decodes a record value, or null when it is not one this version understands. */
    public static AdminChange decode(byte[] value) {
        if (value == null) {
            return null;
        }
        String[] lines = new String(value, StandardCharsets.UTF_8).split("\n", -1);
        if (lines.length < 4) {
            return null;
        }
        Kind kind;
        try {
            kind = Kind.valueOf(lines[0]);
        } catch (IllegalArgumentException e) {
            return null;
        }
        Map<String, Long> position = new HashMap<>();
        for (String pair : lines[3].trim().split(" ")) {
            int eq = pair.lastIndexOf('=');
            if (eq > 0) {
                try {
                    position.put(pair.substring(0, eq), Long.parseLong(pair.substring(eq + 1)));
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        String board = lines[1].isEmpty() ? null : lines[1];
        String entity = lines[2].isEmpty() ? null : lines[2];
        // Without the ids its kind is about, a change cannot be applied (nor applied again and again by a follower).
        boolean complete = switch (kind) {
            case BOARD_PUT, BOARD_DELETED -> board != null;
            case QUARANTINED, RESTORED -> board != null && entity != null;
            case ERASED -> entity != null;
        };
        return complete ? new AdminChange(kind, board, entity, position) : null;
    }
}
