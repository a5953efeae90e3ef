package io.standings.board;

import io.standings.index.Order;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The boards this instance knows. In this slice a board is created on its first event, with the
 * defaults from configuration, when {@code standings.boards.auto-create} is true (the default until
 * boards become data in issue 4); otherwise events for it are dead-lettered as {@code unknown_board}.
 */
@ApplicationScoped
public class BoardRegistry {

    private final ConcurrentMap<String, Board> boards = new ConcurrentHashMap<>();
    private final boolean autoCreate;
    private final Board.TiePolicy defaultTies;
    private final Order defaultOrder;
    private final Operation defaultOperator;

    public BoardRegistry(
            @ConfigProperty(name = "standings.boards.auto-create") boolean autoCreate,
            @ConfigProperty(name = "standings.boards.default-order") String defaultOrder,
            @ConfigProperty(name = "standings.boards.default-ties") String defaultTies,
            @ConfigProperty(name = "standings.boards.default-operator") String defaultOperator) {
        this.autoCreate = autoCreate;
        this.defaultOrder = Order.valueOf(defaultOrder.toUpperCase(Locale.ROOT));
        this.defaultTies = Board.TiePolicy.valueOf(defaultTies.toUpperCase(Locale.ROOT));
        this.defaultOperator = Operation.fromWire(defaultOperator.toLowerCase(Locale.ROOT))
                .filter(op -> op != Operation.REMOVE)
                .orElseThrow(() -> new IllegalArgumentException(
                        "standings.boards.default-operator must be set, incr or best, not " + defaultOperator));
    }

    public Optional<Board> find(String id) {
        return Optional.ofNullable(boards.get(id));
    }

    /** The board, created with the defaults if auto-creation is on; empty if it is unknown and may not be created. */
    public Optional<Board> findOrCreate(String id) {
        Board board = boards.get(id);
        if (board != null || !autoCreate) {
            return Optional.ofNullable(board);
        }
        return Optional.of(boards.computeIfAbsent(id, k -> new Board(k, defaultOrder, defaultTies, defaultOperator)));
    }

    public Collection<Board> all() {
        return boards.values();
    }
}
