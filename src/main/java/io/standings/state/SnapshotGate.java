package io.standings.state;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A non-blocking mutex between the ingest and reconciliation: the ingest holds it for each batch (Redis
 * write, memory apply, offsets), the reconciler holds it while it copies the live state, and a Redis-loss
 * recovery holds it while it resets everything. Whoever holds it sees memory, Redis and the partition
 * offsets at one batch boundary, never between.
 *
 * <p>Nobody ever blocks a thread on it: a waiter gets a Uni that completes when the gate is handed over,
 * on the Vert.x context it asked from (so the ingest continues on its own context).
 */
@ApplicationScoped
public class SnapshotGate {

    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private boolean held;
    private long grants;

    private record Waiter(CompletableFuture<Void> granted, Context context) {
    }

    /** Runs {@code body} while holding the gate; the gate is released when its Uni terminates. */
    public <T> Uni<T> run(Supplier<Uni<? extends T>> body) {
        return acquire(null).chain(() -> Uni.createFrom().<T>deferred(body)
                .onTermination().invoke(this::release));
    }

    /**
     * Takes the gate, waiting at most {@code timeout} (null: forever). The caller must {@link #release()} it.
     */
    public Uni<Void> acquire(Duration timeout) {
        return Uni.createFrom().deferred(() -> {
            Waiter waiter;
            synchronized (this) {
                if (!held) {
                    held = true;
                    grants++;
                    return Uni.createFrom().voidItem();
                }
                waiter = new Waiter(new CompletableFuture<>(), Vertx.currentContext());
                waiters.add(waiter);
            }
            Uni<Void> granted = Uni.createFrom().completionStage(waiter.granted());
            if (timeout != null) {
                granted = granted.ifNoItem().after(timeout).recoverWithUni(() -> {
                    synchronized (this) {
                        if (waiters.remove(waiter)) {
                            return Uni.createFrom().failure(new GateTimeoutException(timeout));
                        }
                    }
                    // Handed over just as the wait ran out: we hold it now.
                    return Uni.createFrom().completionStage(waiter.granted());
                });
            }
            return granted;
        });
    }

    public void release() {
        Waiter next;
        synchronized (this) {
            next = waiters.poll();
            if (next == null) {
                held = false;
                return;
            }
            grants++;
        }
        if (next.context() != null) {
            next.context().runOnContext(v -> next.granted().complete(null));
        } else {
            next.granted().complete(null);
        }
    }

    /**
     * How many times the gate has been granted. Read by the holder, it numbers the holder's own turn: the
     * ingest uses it to tell whether anyone else held the gate since its previous batch.
     */
    public synchronized long grants() {
        return grants;
    }

    /** Whether someone holds the gate now (for diagnostics). */
    public synchronized boolean isHeld() {
        return held;
    }

    public static final class GateTimeoutException extends RuntimeException {
        GateTimeoutException(Duration timeout) {
            super("the ingest did not reach a batch boundary within " + timeout, null, false, false);
        }
    }
}
