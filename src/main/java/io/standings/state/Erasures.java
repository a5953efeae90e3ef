package io.standings.state;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Erased entities whose old events Kafka could still replay: entity → the position ("topic/partition" → last
 * applied offset) the live state had reached when it was erased. The ingest skips an event of such an entity
 * at or below that position, and a recovery leaves the entity out of what it restores, so an erased entity
 * comes back only through events produced after its erasure. A tombstone goes once a checkpoint's offsets
 * reach its position ({@link #prune}). Mirrors the {@code erasure} table.
 */
@ApplicationScoped
public class Erasures {

    private final Map<String, Map<String, Long>> tombstones = new ConcurrentHashMap<>();

    /** Whether nothing is erased (the ingest's fast path). */
    public boolean isEmpty() {
        return tombstones.isEmpty();
    }

    /** Whether the event of {@code entity} at {@code offset} of partition {@code field} predates its erasure. */
    public boolean covers(String entity, String field, long offset) {
        Map<String, Long> position = tombstones.get(entity);
        if (position == null) {
            return false;
        }
        Long erasedAt = position.get(field);
        return erasedAt != null && offset <= erasedAt;
    }

    /** Whether the entity has a tombstone (a recovery leaves it out of what it restores). */
    public boolean isErased(String entity) {
        return tombstones.containsKey(entity);
    }

    public void put(String entity, Map<String, Long> position) {
        tombstones.merge(entity, Map.copyOf(position), Erasures::later);
    }

    public void replaceAll(Map<String, Map<String, Long>> loaded) {
        tombstones.clear();
        loaded.forEach(this::put);
    }

    /** Forgets the tombstones whose position every offset of {@code checkpoint} has reached. */
    public void prune(Map<String, Long> checkpoint) {
        tombstones.values().removeIf(position -> reached(position, checkpoint));
    }

    /** Whether {@code checkpoint} is at or past {@code position} on every partition of it. */
    public static boolean reached(Map<String, Long> position, Map<String, Long> checkpoint) {
        for (Map.Entry<String, Long> e : position.entrySet()) {
            Long at = checkpoint.get(e.getKey());
            if (at == null || at < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    public Set<String> entities() {
        return Set.copyOf(tombstones.keySet());
    }

    private static Map<String, Long> later(Map<String, Long> a, Map<String, Long> b) {
        Map<String, Long> merged = new HashMap<>(a);
        b.forEach((field, offset) -> merged.merge(field, offset, Math::max));
        return Map.copyOf(merged);
    }
}
