package io.standings.state;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A mutex that never blocks a thread: a waiter gets a Uni that completes when the mutex is handed over to it,
 * in the order they asked, on the Vert.x context it asked from (so the ingest continues on its own context; a
 * grant that arrives just as a waiter's timeout fires continues on the timer's thread).
 * {@link SnapshotGate} is the one between the ingest and everything that must see a batch boundary; the
 * reconciler keeps one of its own for its runs.
 */
public class AsyncMutex {

    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private boolean held;
    private long grants;

    /**
     * A queued acquirer. Its Uni reads {@code granted} through a minimal stage, so that cancelling the Uni
     * never cancels the grant itself: a grant is either taken or passed on, never dropped.
     */
    private static final class Waiter {
        final CompletableFuture<Void> granted = new CompletableFuture<>();
        final Context context;
        /** Set under the mutex's lock when {@link #release()} hands the mutex to this waiter. */
        boolean handedOver;

        Waiter(Context context) {
            this.context = context;
        }
    }

    /** Grants to deliver on this thread, while it is already delivering one (see {@link #deliver}). */
    private static final ThreadLocal<ArrayDeque<Waiter>> DELIVERING = new ThreadLocal<>();

    /**
     * Runs {@code body} while holding the mutex; the mutex is released when the body's Uni terminates. Cancelling
     * the returned Uni cancels the body if it runs; if it still waits, it stays queued and releases the mutex the
     * moment it is granted. Nothing sits between the grant and the body, so no cancellation can drop a grant.
     */
    public <T> Uni<T> run(Supplier<Uni<? extends T>> body) {
        return Uni.createFrom().emitter(em -> {
            AtomicBoolean cancelled = new AtomicBoolean();
            AtomicReference<Cancellable> running = new AtomicReference<>();
            // Called on completion, failure or cancellation; after completion or failure the body is over, and
            // cancelling it does nothing.
            em.onTermination(() -> {
                cancelled.set(true);
                Cancellable started = running.get();
                if (started != null) {
                    started.cancel();
                }
            });
            acquire(null).subscribe().with(granted -> {
                if (cancelled.get()) {
                    release();
                    return;
                }
                Uni<? extends T> work;
                try {
                    work = body.get();
                } catch (Throwable e) {
                    release();
                    em.fail(e);
                    return;
                }
                running.set(work.onTermination().invoke(this::release).subscribe().with(em::complete, em::fail));
                if (cancelled.get()) {
                    running.get().cancel();
                }
            }, em::fail);
        });
    }

    /**
     * Takes the mutex, waiting at most {@code timeout} (null: forever). The caller must {@link #release()} it.
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
                waiter = new Waiter(Vertx.currentContext());
                waiters.add(waiter);
            }
            Uni<Void> granted = Uni.createFrom().completionStage(waiter.granted.minimalCompletionStage());
            if (timeout != null) {
                granted = granted.ifNoItem().after(timeout).recoverWithUni(() -> {
                    synchronized (this) {
                        if (waiters.remove(waiter)) {
                            return Uni.createFrom().failure(new GateTimeoutException(timeout));
                        }
                    }
                    // Handed over just as the wait ran out: we hold it now.
                    return Uni.createFrom().completionStage(waiter.granted.minimalCompletionStage());
                });
            }
            return granted.onCancellation().invoke(() -> giveUp(waiter));
        });
    }

    /**
     * A waiter that stopped waiting (cancelled) leaves the queue; if the mutex was handed to it meanwhile, it
     * passes it on, so that nobody waits on a grant no one will ever release.
     */
    private void giveUp(Waiter waiter) {
        synchronized (this) {
            if (waiters.remove(waiter) || !waiter.handedOver) {
                return; // still waiting, or it timed out: it never held the mutex
            }
        }
        release();
    }

    public void release() {
        Waiter next;
        synchronized (this) {
            next = waiters.poll();
            if (next == null) {
                held = false;
                return;
            }
            next.handedOver = true;
            grants++;
        }
        if (next.context != null) {
            next.context.runOnContext(v -> next.granted.complete(null));
        } else {
            deliver(next);
        }
    }

    /**
     * Completes a grant on this thread. A grant runs its holder's continuation, which may release again and
     * grant the next waiter: those grants are delivered in a loop here, not by recursion, so a long queue
     * cannot overflow the stack.
     */
    private static void deliver(Waiter first) {
        ArrayDeque<Waiter> pending = DELIVERING.get();
        if (pending != null) {
            pending.add(first);
            return;
        }
        pending = new ArrayDeque<>();
        DELIVERING.set(pending);
        try {
            for (Waiter w = first; w != null; w = pending.poll()) {
                w.granted.complete(null);
            }
        } finally {
            DELIVERING.remove();
        }
    }

    /**
     * How many times the mutex has been granted. Read by the holder, it numbers the holder's own turn: the
     * ingest uses it to tell whether anyone else held the mutex since its previous batch.
     */
    public synchronized long grants() {
        return grants;
    }

    /** Whether someone holds the mutex now (for diagnostics). */
    public synchronized boolean isHeld() {
        return held;
    }

    public static final class GateTimeoutException extends RuntimeException {
        GateTimeoutException(Duration timeout) {
            super("the ingest did not reach a batch boundary within " + timeout, null, false, false);
        }
    }
}
