package io.standings.state;

import io.standings.core.index.Entry;
import java.util.Map;
import java.util.Set;

/**
 * The quarantine at one moment: the "board/entity" marks and the held entries ("board@period" → entity → entry)
 * of quarantined entities, which are in no index.
 */
public record QuarantineState(Set<String> quarantined, Map<String, Map<String, Entry>> held) {
    public static final QuarantineState EMPTY = new QuarantineState(Set.of(), Map.of());
}
