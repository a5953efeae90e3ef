package io.standings.board;

import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.standings.index.Order;
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
 * The boards this instance knows: a cache of the {@code board} table, loaded before ingest starts,
 * refreshed periodically (so boards created on another instance appear), and updated at once by the
 * admin API of this instance. Boards named in {@code standings.boards.seed} are created at start-up if
 * absent. When {@code standings.boards.auto-create} is on (off by default), an event for an unknown
 * board creates it with the defaults; otherwise it is dead-lettered as {@code unknown_board}.
 */
@ApplicationScoped
public class BoardRegistry {

    private final BoardRepository repository;
    private final ConcurrentMap<String, Board> boards = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Board> pendingAutoCreated = new ConcurrentHashMap<>();
    private final boolean autoCreate;
    private final int maxBoards;
    private final Board defaults;
    private final List<Board> seeds;

    public BoardRegistry(BoardRepository repository,
            @ConfigProperty(name = "standings.boards.auto-create") boolean autoCreate,
            @ConfigProperty(name = "standings.boards.defaults.order") String defaultOrder,
            @ConfigProperty(name = "standings.boards.defaults.ties") String defaultTies,
            @ConfigProperty(name = "standings.boards.defaults.operator") String defaultOperator,
            @ConfigProperty(name = "standings.boards.seed") Optional<List<String>> seed,
            @ConfigProperty(name = "standings.boards.max-boards") int maxBoards) {
        this.repository = repository;
        this.maxBoards = maxBoards;
        this.autoCreate = autoCreate;
        this.defaults = new BoardSpec(defaultOrder, defaultTies, defaultOperator, null, null, null).toBoard("defaults");
        this.seeds = seed.orElse(List.of()).stream().map(BoardRegistry::parseSeed).collect(Collectors.toList());
    }

    /**
     * A seed is {@code id[:order[:ties[:operator[:period[:timeZone[:decayHalfLife]]]]]]}, e.g.
     * {@code arena:desc:competition:incr} or {@code laps:asc:ordinal:best:weekly:Europe/Paris}.
     */
    static Board parseSeed(String seed) {
        String[] p = seed.trim().split(":");
        return new BoardSpec(part(p, 1), part(p, 2), part(p, 3), part(p, 4), part(p, 5), part(p, 6)).toBoard(p[0]);
    }

    private static String part(String[] parts, int i) {
        return i < parts.length && !parts[i].isBlank() ? parts[i] : null;
    }

    /** Creates the seeds that are missing, then loads every board. */
    public Uni<Void> start() {
        Uni<Void> seeded = Uni.createFrom().voidItem();
        for (Board seed : seeds) {
            seeded = seeded.chain(() -> repository.insertIfAbsent(seed)
                    .invoke(inserted -> {
                        if (inserted) {
                            Log.infof("Created board '%s' from standings.boards.seed", seed.id());
                        }
                    })).replaceWithVoid();
        }
        return seeded.chain(this::reload);
    }

    /** Loads every board from PostgreSQL; boards gone from the table are dropped from the cache. */
    public Uni<Void> reload() {
        return repository.findAll().invoke(all -> {
            Map<String, Board> byId = all.stream().collect(Collectors.toMap(Board::id, b -> b));
            byId.putAll(pendingAutoCreated);
            boards.putAll(byId);
            boards.keySet().retainAll(byId.keySet());
        }).replaceWithVoid();
    }

    @Scheduled(every = "${standings.boards.refresh-interval}", delayed = "${standings.boards.refresh-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> refresh() {
        return reload().onFailure().invoke(e -> Log.warnf("Could not refresh boards from PostgreSQL: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
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

    /** Stores the boards auto-created since the last call; the ingest calls it before it writes their scores. */
    public Uni<Void> persistAutoCreated() {
        if (pendingAutoCreated.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Board> pending = new ArrayList<>(pendingAutoCreated.values());
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Board b : pending) {
            chain = chain.chain(() -> repository.insertIfAbsent(b)).invoke(() -> pendingAutoCreated.remove(b.id()))
                    .replaceWithVoid();
        }
        return chain;
    }

    /** Creates or replaces a board. */
    public Uni<Board> put(Board board) {
        return repository.upsert(board).invoke(() -> boards.put(board.id(), board)).replaceWith(board);
    }

    /** Deletes a board's definition; true if it existed. */
    public Uni<Boolean> delete(String id) {
        return repository.delete(id).invoke(() -> boards.remove(id));
    }

    /** Whether auto-creation is on but stopped by {@code standings.boards.max-boards}. */
    public boolean autoCreateAtLimit() {
        return autoCreate && boards.size() >= maxBoards;
    }

    public Order defaultOrder() {
        return defaults.order();
    }
}
