package io.standings.state;

import io.standings.core.board.Board;
import io.standings.core.board.BoardSpec;
import io.standings.core.index.Order;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The boards this instance knows: a cache of the {@code board} table, filled and refreshed by
 * {@code lifecycle.BoardCatalog} and changed at once by the admin API. When {@code standings.boards.auto-create}
 * is on (off by default), an event for an unknown board creates it here with the defaults, up to
 * {@code standings.boards.max-boards}; the ingest stores it before it writes the board's scores.
 */
@ApplicationScoped
public class BoardRegistry {

    private final ConcurrentMap<String, Board> boards = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Board> pendingAutoCreated = new ConcurrentHashMap<>();
    /** The version of each id's last local change (put or remove), so that a refresh read before it keeps it. */
    private final ConcurrentMap<String, Long> changedAt = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong version = new java.util.concurrent.atomic.AtomicLong();
    private final boolean autoCreate;
    private final int maxBoards;
    private final Board defaults;

    public BoardRegistry(@ConfigProperty(name = "standings.boards.auto-create") boolean autoCreate,
            @ConfigProperty(name = "standings.boards.defaults.order") String defaultOrder,
            @ConfigProperty(name = "standings.boards.defaults.ties") String defaultTies,
            @ConfigProperty(name = "standings.boards.defaults.operator") String defaultOperator,
            @ConfigProperty(name = "standings.boards.max-boards") int maxBoards) {
        this.maxBoards = maxBoards;
        this.autoCreate = autoCreate;
        this.defaults = new BoardSpec(defaultOrder, defaultTies, defaultOperator, null, null, null).toBoard("defaults");
    }

    /** The version to pass to {@link #replaceAll} for a read of the stored boards that starts now. */
    public long beginRead() {
        return version.get();
    }

    /**
     * Takes the boards as stored, read from {@code readSince} ({@link #beginRead}) on: boards gone from the table
     * leave the cache, except auto-created ones not yet stored and boards put or removed here after the read
     * began (the read may predate them).
     */
    public synchronized void replaceAll(Collection<Board> stored, long readSince) {
        Map<String, Board> byId = stored.stream().collect(Collectors.toMap(Board::id, b -> b));
        changedAt.forEach((id, at) -> {
            if (at > readSince) {
                Board local = boards.get(id);
                if (local != null) {
                    byId.put(id, local);
                } else {
                    byId.remove(id);
                }
            }
        });
        byId.putAll(pendingAutoCreated);
        boards.putAll(byId);
        boards.keySet().retainAll(byId.keySet());
        changedAt.values().removeIf(at -> at <= readSince);
    }

    public Optional<Board> find(String id) {
        return Optional.ofNullable(boards.get(id));
    }

    public Collection<Board> all() {
        return boards.values();
    }

    /**
     * The board, created with the defaults when auto-creation is on and fewer than
     * {@code standings.boards.max-boards} boards exist; empty if it is unknown.
     */
    public Optional<Board> findOrCreate(String id) {
        Board board = boards.get(id);
        if (board != null || !autoCreate || boards.size() >= maxBoards) {
            return Optional.ofNullable(board);
        }
        return Optional.of(boards.computeIfAbsent(id, k -> {
            Board created = new Board(k, defaults.order(), defaults.ties(), defaults.operator(), defaults.period(),
                    defaults.timeZone(), defaults.decay());
            pendingAutoCreated.put(k, created);
            return created;
        }));
    }

    /** The boards auto-created and not stored yet. */
    public List<Board> autoCreated() {
        return new ArrayList<>(pendingAutoCreated.values());
    }

    /** An auto-created board is stored now. */
    public void stored(Board board) {
        pendingAutoCreated.remove(board.id());
    }

    /** Whether the board was auto-created here and is not stored yet. */
    public boolean isAutoCreated(String id) {
        return pendingAutoCreated.containsKey(id);
    }

    /**
     * Boards found in PostgreSQL that this instance did not know, or had auto-created with the defaults and not
     * stored yet (another instance stored them first): the stored definitions win.
     */
    public synchronized void learned(Collection<Board> stored) {
        for (Board b : stored) {
            pendingAutoCreated.remove(b.id());
            put(b);
        }
    }

    /** Creates or replaces a board (it is stored already). */
    public synchronized void put(Board board) {
        boards.put(board.id(), board);
        changedAt.put(board.id(), version.incrementAndGet());
    }

    public synchronized void remove(String id) {
        boards.remove(id);
        changedAt.put(id, version.incrementAndGet());
    }

    /** Whether auto-creation is on but stopped by {@code standings.boards.max-boards}. */
    public boolean autoCreateAtLimit() {
        return autoCreate && boards.size() >= maxBoards;
    }

    public Order defaultOrder() {
        return defaults.order();
    }
}
