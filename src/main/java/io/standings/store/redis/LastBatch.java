package io.standings.store.redis;

import java.util.ArrayList;
import java.util.List;

/**
 * What one partition's last applied batch changed, as the batch script stores it in the last-batch hash (field
 * "topic/partition"): the batch's last offset, then one "board@period TAB entity" line per changed entity. The
 * instance that takes the partition over republishes the current states of these entities to the changelog, so
 * that a batch whose owner died between its Redis write and its changelog write still reaches every replica.
 * Board ids, periods and entity ids contain neither a tab nor a line break ({@code Ids}).
 */
public record LastBatch(long offset, List<Changed> changed) {

    /** One changed entity of one board period. */
    public record Changed(String boardPeriod, String entity) {
    }

    public String encode() {
        StringBuilder text = new StringBuilder(16 + changed.size() * 32).append(offset);
        for (Changed c : changed) {
            text.append('\n').append(c.boardPeriod()).append('\t').append(c.entity());
        }
        return text.toString();
    }

    public static LastBatch decode(String text) {
        String[] lines = text.split("\n", -1);
        List<Changed> changed = new ArrayList<>(lines.length - 1);
        for (int i = 1; i < lines.length; i++) {
            int tab = lines[i].indexOf('\t');
            changed.add(new Changed(lines[i].substring(0, tab), lines[i].substring(tab + 1)));
        }
        return new LastBatch(Long.parseLong(lines[0]), changed);
    }
}
