package io.standings.ingest;

import io.standings.state.BoardPeriods;
import io.standings.state.ScoreChange;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The changelog's record format (docs/api.md, "Changelog"). Partition n of the changelog carries the states
 * produced by partition n of the score events:
 *
 * <ul>
 *   <li>a <b>state</b>: key {@code board@period/entity} (UTF-8), value 16 bytes (the stored score as an IEEE
 *       double, then the reach time in epoch milliseconds, both big-endian), or no value (a tombstone) when the
 *       entity left the board period;</li>
 *   <li>a <b>position</b> after each batch's states: key {@value #POSITION_KEY}, value the 8-byte input offset.
 *       A replica takes a partition's position as reached only at this record, so a position is never
 *       reported before all of its batch's states are applied.</li>
 * </ul>
 * Every record carries the header {@value #POSITION_HEADER}: the offset of the last score event of that
 * partition whose effect it reflects. Keys make compaction keep each entity's latest state.
 */
public final class ChangelogRecords {

    public static final String POSITION_KEY = "#position";
    public static final String POSITION_HEADER = "standings-position";
    /**
     * On every record of a republish, with the highest offset a board period of its states holds (8 bytes): the states
     * are what Redis holds now, and the position is the partition's floor, which a replica may hold already; a replica
     * takes them even so (they are absolute and newer than what it has), and takes no checkpoint until it holds
     * that offset ({@code PartitionTracker#heldAhead}).
     */
    public static final String REPUBLISH_HEADER = "standings-republish";
    private static final byte[] POSITION_KEY_BYTES = POSITION_KEY.getBytes(StandardCharsets.UTF_8);

    private ChangelogRecords() {
    }

    /**
     * A decoded changelog record: a state (change non-null) or a position marker; {@code republished} when it is
     * part of a new owner's republish of a partition's last batch (header {@value #REPUBLISH_HEADER}).
     */
    public record Decoded(long position, ScoreChange change, boolean republished, long heldUpTo) {
        public Decoded(long position, ScoreChange change) {
            this(position, change, false, position);
        }

        public boolean isMarker() {
            return change == null;
        }
    }

    public static byte[] key(ScoreChange change) {
        return (BoardPeriods.boardPeriod(change.board(), change.period()) + "/" + change.entity())
                .getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] value(ScoreChange change) {
        if (change.removed()) {
            return null;
        }
        return ByteBuffer.allocate(16).putDouble(change.score()).putLong(change.reachedAt()).array();
    }

    public static byte[] positionKey() {
        return POSITION_KEY_BYTES.clone();
    }

    public static byte[] long8(long value) {
        return ByteBuffer.allocate(8).putLong(value).array();
    }

    /** Decodes one record, or null when it is not a changelog record this version understands (logged by the caller). */
    public static Decoded decode(byte[] key, byte[] value, Headers headers) {
        Header header = headers.lastHeader(POSITION_HEADER);
        if (key == null || header == null || header.value() == null || header.value().length != 8) {
            return null;
        }
        long position = ByteBuffer.wrap(header.value()).getLong();
        Header republish = headers.lastHeader(REPUBLISH_HEADER);
        boolean republished = republish != null;
        long heldUpTo = republish != null && republish.value() != null && republish.value().length == 8
                ? ByteBuffer.wrap(republish.value()).getLong() : position;
        String text = new String(key, StandardCharsets.UTF_8);
        if (text.equals(POSITION_KEY)) {
            return new Decoded(position, null, republished, heldUpTo);
        }
        int slash = text.indexOf('/');
        int at = text.indexOf('@');
        if (slash < 0 || at < 0 || at > slash) {
            return null;
        }
        String board = text.substring(0, at);
        String period = text.substring(at + 1, slash);
        String entity = text.substring(slash + 1);
        if (value == null) {
            return new Decoded(position, ScoreChange.removal(board, period, entity), republished, heldUpTo);
        }
        if (value.length != 16) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.wrap(value);
        double score = buffer.getDouble();
        long reachedAt = buffer.getLong();
        if (!Double.isFinite(score)) {
            return null;
        }
        return new Decoded(position, ScoreChange.upsert(board, period, entity, score, reachedAt), republished, heldUpTo);
    }
}
