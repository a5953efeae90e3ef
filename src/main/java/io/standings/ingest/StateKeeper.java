package io.standings.ingest;

import io.smallrye.mutiny.Uni;

/**
 * What the ingest asks of the layer that keeps memory, Redis and PostgreSQL one state (implemented in
 * {@code lifecycle}): that start-up is done, that the state a batch starts from is sound, and that it is mended
 * after a fence. Every call runs while the batch holds the gate.
 */
public interface StateKeeper {

    /** Completes once memory holds the boards (start-up done). */
    Uni<Void> ready();

    boolean isReady();

    /**
     * Before a batch: memory rebuilt from Redis when another consumer wrote partitions this instance now owns, and
     * Redis restored from the checkpoint when it lost its state. True when memory was replaced.
     */
    Uni<Boolean> beforeBatch();

    /**
     * After Redis refused a batch: restore Redis from the checkpoint when it lost state ({@code lostState}, or its
     * marker is gone), else re-sync memory with Redis, which another consumer wrote.
     */
    Uni<Void> afterFence(boolean lostState, String why);
}
