package io.standings.live;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Serializes every write to the live state — ingest batches and admin operations such as quarantine
 * and erasure — without blocking a thread: each write starts when the previous one has finished. The
 * ingest reads memory to fold a batch and then writes Redis and memory; nothing may change the live
 * state in between.
 */
@ApplicationScoped
public class WriteLane {

    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

    /** Runs {@code write} after every write submitted before it; the returned Uni must be subscribed. */
    public synchronized <T> Uni<T> submit(Supplier<Uni<T>> write) {
        CompletableFuture<Void> previous = tail;
        CompletableFuture<Void> mine = new CompletableFuture<>();
        tail = mine;
        return Uni.createFrom().completionStage(previous)
                .chain(() -> write.get())
                .onTermination().invoke(() -> mine.complete(null));
    }
}
