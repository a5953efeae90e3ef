package io.standings.lifecycle;

import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.standings.core.board.Board;
import io.standings.core.board.BoardSpec;
import io.standings.state.BoardRegistry;
import io.standings.store.postgres.BoardRepository;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Optional;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Board definitions between PostgreSQL and the {@link BoardRegistry}: the seeds created at start-up
 * ({@code standings.boards.seed}), every board loaded before the ingest starts and refreshed every
 * {@code standings.boards.refresh-interval} (so boards created on another instance appear), and the admin
 * API's changes stored, then cached.
 */
@ApplicationScoped
public class BoardCatalog {

    private final BoardRepository repository;
    private final BoardRegistry registry;
    private final List<Board> seeds;
    private static final Duration LOOKUP_WAIT = Duration.ofSeconds(5);

    public BoardCatalog(BoardRepository repository, BoardRegistry registry,
            @ConfigProperty(name = "standings.boards.seed") Optional<List<String>> seed) {
        this.repository = repository;
        this.registry = registry;
        this.seeds = seed.orElse(List.of()).stream().map(BoardSpec::parseSeed).collect(Collectors.toList());
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

    /** Loads every board from PostgreSQL into the registry. */
    public Uni<Void> reload() {
        return Uni.createFrom().deferred(() -> {
            long since = registry.beginRead();
            return repository.findAll().invoke(stored -> registry.replaceAll(stored, since)).replaceWithVoid();
        });
    }

    /**
     * Makes sure the registry knows these boards where PostgreSQL has them: the ones it lacks (created on another
     * instance since the last refresh) are looked up, at most {@code LOOKUP_WAIT}. Those PostgreSQL does not have
     * either stay unknown. Fails when PostgreSQL does not answer (the caller retries).
     */
    public Uni<Void> learn(Collection<String> boardIds) {
        Set<String> unknown = new HashSet<>();
        for (String id : boardIds) {
            if (registry.find(id).isEmpty()) {
                unknown.add(id);
            }
        }
        if (unknown.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return repository.findByIds(unknown).ifNoItem().after(LOOKUP_WAIT).fail()
                .invoke(registry::learned).replaceWithVoid();
    }

    /** Reads one board's definition from PostgreSQL into the registry (another instance created or changed it). */
    public Uni<Void> reloadOne(String id) {
        return repository.findByIds(Set.of(id)).ifNoItem().after(LOOKUP_WAIT).fail()
                .invoke(found -> found.forEach(registry::put)).replaceWithVoid();
    }

    @Scheduled(every = "${standings.boards.refresh-interval}", delayed = "${standings.boards.refresh-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> refresh() {
        return reload().onFailure().invoke(e -> Log.warnf("Could not refresh boards from PostgreSQL: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Creates or replaces a board: stored, then cached. */
    public Uni<Board> put(Board board) {
        return repository.upsert(board).invoke(() -> registry.put(board)).replaceWith(board);
    }

    /** Deletes a board's definition; true if it existed. */
    public Uni<Boolean> delete(String id) {
        return repository.delete(id).invoke(() -> registry.remove(id));
    }
}
