package io.standings.state;


import io.standings.core.index.Entry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Entities under quarantine (anti-cheat review): they keep their scores, and events keep changing them,
 * but they are out of every rank, top list and count until restored. Their entries are held here, per
 * board period, instead of in the board period's index (and in Redis in {@code :held} instead of
 * {@code :ranks}). Written only while holding the {@link SnapshotGate}.
 */
@ApplicationScoped
public class Quarantine {

    private volatile Set<String> quarantined = ConcurrentHashMap.newKeySet();
    private volatile ConcurrentMap<String, ConcurrentMap<String, Entry>> held = new ConcurrentHashMap<>();

    public static String member(String board, String entity) {
        return board + "/" + entity;
    }

    public boolean isQuarantined(String board, String entity) {
        return !quarantined.isEmpty() && quarantined.contains(member(board, entity));
    }

    /** The held entry of a quarantined entity in a board period, or null. */
    public Entry held(String boardPeriod, String entity) {
        Map<String, Entry> entries = held.get(boardPeriod);
        return entries == null ? null : entries.get(entity);
    }

    /** Held entries of one board period. */
    public int heldCount(String boardPeriod) {
        Map<String, Entry> entries = held.get(boardPeriod);
        return entries == null ? 0 : entries.size();
    }

    /** Every board period with held entries ("board@period" → how many). */
    Map<String, Integer> heldCounts() {
        Map<String, Integer> counts = new java.util.HashMap<>();
        held.forEach((bp, entries) -> {
            if (!entries.isEmpty()) {
                counts.put(bp, entries.size());
            }
        });
        return counts;
    }

    void add(String board, String entity) {
        quarantined.add(member(board, entity));
    }

    void remove(String board, String entity) {
        quarantined.remove(member(board, entity));
    }

    void hold(String boardPeriod, Entry entry) {
        held.computeIfAbsent(boardPeriod, bp -> new ConcurrentHashMap<>()).put(entry.entity(), entry);
    }

    Entry release(String boardPeriod, String entity) {
        Map<String, Entry> entries = held.get(boardPeriod);
        return entries == null ? null : entries.remove(entity);
    }

    /** Every board period holding the entity. */
    public Set<String> periodsHolding(String entity) {
        Set<String> periods = ConcurrentHashMap.newKeySet();
        held.forEach((bp, entries) -> {
            if (entries.containsKey(entity)) {
                periods.add(bp);
            }
        });
        return periods;
    }

    /** The boards on which the entity is quarantined. */
    public Set<String> boardsOf(String entity) {
        Set<String> boards = ConcurrentHashMap.newKeySet();
        for (String m : quarantined) {
            int slash = m.indexOf('/');
            if (m.substring(slash + 1).equals(entity)) {
                boards.add(m.substring(0, slash));
            }
        }
        return boards;
    }

    void releasePeriod(String boardPeriod) {
        held.remove(boardPeriod);
    }

    void removeBoard(String board) {
        quarantined.removeIf(m -> m.startsWith(board + "/"));
        held.keySet().removeIf(bp -> BoardPeriods.isPeriodOf(bp, board));
    }

    /** A copy of the quarantined "board/entity" marks (the reconciler's snapshot takes it under the gate). */
    public Set<String> quarantinedCopy() {
        return Set.copyOf(quarantined);
    }

    /** A copy of the held entries, "board@period" → entity → entry (the reconciler's snapshot, under the gate). */
    public Map<String, Map<String, Entry>> heldCopy() {
        Map<String, Map<String, Entry>> copy = new java.util.HashMap<>();
        held.forEach((bp, entries) -> {
            if (!entries.isEmpty()) {
                copy.put(bp, Map.copyOf(entries));
            }
        });
        return copy;
    }

    /** Replaces the whole quarantine (rebuild from Redis, restore from the checkpoint); under the gate. */
    public void replaceAll(Set<String> rebuiltQuarantined, Map<String, Map<String, Entry>> rebuiltHeld) {
        ConcurrentMap<String, ConcurrentMap<String, Entry>> copy = new ConcurrentHashMap<>();
        rebuiltHeld.forEach((bp, entries) -> copy.put(bp, new ConcurrentHashMap<>(entries)));
        Set<String> q = ConcurrentHashMap.newKeySet();
        q.addAll(rebuiltQuarantined);
        held = copy;
        quarantined = q;
    }

    public int size() {
        return quarantined.size();
    }
}
