package io.standings.state;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The gate between the ingest and everything that must see the live state at one batch boundary: the ingest
 * holds it for each batch (Redis write, memory apply, offsets), the reconciler while it copies the live state,
 * a Redis-loss recovery while it resets everything, admin changes while they change it, and the changelog
 * follower while it applies other instances' batches. Whoever holds it sees memory, Redis and the partition
 * offsets between two batches, never in the middle of one.
 *
 * <p>A <em>replica turn</em> is a grant in which the holder only applies states of partitions this instance does
 * not consume ({@link #replicaTurn}). It changes no entity the ingest's next batch folds, so a batch prepared
 * ahead stays valid across it ({@link #replicaTurns}). Preparing ahead reads memory without the gate; it does so
 * inside {@link #outsideReplicaTurns}, which a replica turn's apply excludes, so the two never overlap on the same
 * indexes.
 */
@ApplicationScoped
public class SnapshotGate extends AsyncMutex {

    private final ReentrantLock replicaApply = new ReentrantLock();
    private volatile long replicaTurns;

    /**
     * Runs a replica turn's apply. Called by the holder of the gate, with nothing in the apply but states of
     * partitions this instance does not consume.
     */
    public void replicaTurn(Runnable apply) {
        replicaApply.lock();
        try {
            replicaTurns++;
            apply.run();
        } finally {
            replicaApply.unlock();
        }
    }

    /** How many grants were replica turns; read by the holder, with {@link #grants()}. */
    public long replicaTurns() {
        return replicaTurns;
    }

    /** Runs a read of memory made without the gate (preparing a batch ahead) so that no replica apply overlaps it. */
    public <T> T outsideReplicaTurns(Supplier<T> read) {
        replicaApply.lock();
        try {
            return read.get();
        } finally {
            replicaApply.unlock();
        }
    }
}
