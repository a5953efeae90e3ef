package io.standings.http.sse;

import io.standings.state.LiveBoards;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The boards changed since the last tick. The ingest marks them (after the index applied a batch);
 * the {@link StreamTicker} drains them. Holds at most one mark per board, however many batches came.
 */
@ApplicationScoped
public class ChangeFeed implements LiveBoards.ChangeListener {

    /** Board -> System.nanoTime() of its first change since the last drain. */
    private final ConcurrentMap<String, Long> dirty = new ConcurrentHashMap<>();

    @Override
    public void boardsChanged(Set<String> boards) {
        long now = System.nanoTime();
        for (String board : boards) {
            dirty.putIfAbsent(board, now);
        }
    }

    /** The boards marked since the last drain, with when they were first marked; each is unmarked. */
    Map<String, Long> drain() {
        Map<String, Long> boards = new LinkedHashMap<>();
        for (String board : dirty.keySet()) {
            Long since = dirty.remove(board);
            if (since != null) {
                boards.put(board, since);
            }
        }
        return boards;
    }
}
