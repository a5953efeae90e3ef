package io.standings.state;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Per partition of the score events, the offset of the last record whose effect this instance's memory holds,
 * whoever applied it: this instance's ingest for the partitions it consumes, the changelog for the others, a
 * rebuild or a recovery for all. It is what a read's position token says ({@link #token()}), and what a read
 * that must not be older than a producer's write waits for ({@link #whenReached}).
 */
@ApplicationScoped
public class AppliedPositions {

    /** A wait for positions, resolved once by {@link #check}. */
    public interface Waiter {
        /** Whether memory now holds every wanted position; called on the thread that moved a position. */
        boolean reached(AppliedPositions positions);

        void done();
    }

    private final Map<Integer, Long> applied = new ConcurrentHashMap<>();
    private final List<Waiter> waiters = new ArrayList<>();
    /** Grows after every change of the positions. */
    private final AtomicLong moves = new AtomicLong();
    /**
     * The token, formatted once per change of the positions rather than once per answer, with the count of moves it
     * was formatted after: a text formatted earlier never replaces one formatted later.
     */
    private final AtomicReference<Token> token = new AtomicReference<>(new Token(0, ""));

    private record Token(long moves, String text) {
    }

    /** The last applied offset of the partition, or -1 when none. */
    public long of(int partition) {
        Long offset = applied.get(partition);
        return offset == null ? -1 : offset;
    }

    /** Whether memory holds every position of {@code wanted} (partition → offset). */
    public boolean holds(Map<Integer, Long> wanted) {
        for (Map.Entry<Integer, Long> w : wanted.entrySet()) {
            if (of(w.getKey()) < w.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Sets one partition's position (it may go back: a recovery to an older checkpoint). */
    public void set(int partition, long offset) {
        applied.put(partition, offset);
        moves.incrementAndGet();
        check();
    }

    /** Replaces every position (a rebuild or a recovery: memory reflects exactly these). */
    public void replaceAll(Map<Integer, Long> offsets) {
        applied.keySet().retainAll(offsets.keySet());
        applied.putAll(offsets);
        moves.incrementAndGet();
        check();
    }

    /** The positions, by partition, in order. */
    public Map<Integer, Long> snapshot() {
        return new TreeMap<>(applied);
    }

    /** The position token: "partition:offset" pairs in partition order, comma-separated ("" when none). */
    public String token() {
        Token cached = token.get();
        long now = moves.get();
        if (cached.moves() == now) {
            return cached.text();
        }
        // Read after the count: the snapshot holds every move counted so far (a later one counts again).
        Token fresh = new Token(now, PositionToken.format(snapshot()));
        token.accumulateAndGet(fresh, (current, next) -> next.moves() > current.moves() ? next : current);
        return fresh.text();
    }

    /** Registers a wait; {@code done} is called at once when already reached, else by the next move that reaches it. */
    public void whenReached(Waiter waiter) {
        if (waiter.reached(this)) {
            waiter.done();
            return;
        }
        synchronized (waiters) {
            waiters.add(waiter);
        }
        check(); // a move between the first look and the registration
    }

    /** Forgets a wait (it timed out). */
    public void cancel(Waiter waiter) {
        synchronized (waiters) {
            waiters.remove(waiter);
        }
    }

    private void check() {
        List<Waiter> reached = null;
        synchronized (waiters) {
            if (waiters.isEmpty()) {
                return;
            }
            for (Iterator<Waiter> it = waiters.iterator(); it.hasNext();) {
                Waiter w = it.next();
                if (w.reached(this)) {
                    it.remove();
                    if (reached == null) {
                        reached = new ArrayList<>();
                    }
                    reached.add(w);
                }
            }
        }
        if (reached != null) {
            reached.forEach(Waiter::done);
        }
    }
}
