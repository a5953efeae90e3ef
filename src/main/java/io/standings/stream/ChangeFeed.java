package io.standings.stream;

import io.standings.live.LiveBoards;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The boards changed since the last tick. The ingest marks them (after the index applied a batch);
 * the {@link StreamTicker} drains them. Holds at most one mark per board, however many batches came.
 */
@ApplicationScoped
public class ChangeFeed implements LiveBoards.ChangeListener {

    private final Set<String> dirty = ConcurrentHashMap.newKeySet();

    @Override
    public void boardsChanged(Set<String> boards) {
        dirty.addAll(boards);
    }

    /** Marks one board, e.g. when something other than a batch changed it. */
    public void markChanged(String board) {
        dirty.add(board);
    }

    /** The boards marked since the last drain; each one is unmarked before it is returned. */
    List<String> drain() {
        List<String> boards = new ArrayList<>();
        for (Iterator<String> it = dirty.iterator(); it.hasNext();) {
            String board = it.next();
            it.remove();
            boards.add(board);
        }
        return boards;
    }
}
